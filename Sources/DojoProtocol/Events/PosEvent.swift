/// The kind of change a POS reports to Dojo with `POST /epos/events`.
///
/// A closed set: Dojo documents exactly these three, and sending anything else would be a bug on our side.
/// There is no "created" or "deleted": every change, creation and deletion included, is an "updated" event, and
/// Dojo re-fetches the entity (a `NotFound` answer tells it the entity is gone).
public enum PosEventType: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    /// An order changed; Dojo re-fetches it with `GetOrderByIdV1`.
    case orderUpdated = "OrderUpdated"
    /// A party changed; Dojo re-fetches it with `GetPartyByIdV1`.
    case partyUpdated = "PartyUpdated"
    /// A reservation changed; Dojo re-fetches it with `GetReservationByIdV1`.
    case reservationUpdated = "ReservationUpdated"

    /// Parses a wire name, refusing unknown ones with the list of valid names.
    ///
    /// - Throws: ``DojoProtocolError`` with code ``DojoProtocolError/Code/invalidValue``.
    public init(validating name: String) throws(DojoProtocolError) {
        guard let type = PosEventType(rawValue: name) else {
            let valid = Self.allCases.map(\.rawValue).joined(separator: ", ")
            throw DojoProtocolError(
                code: .invalidValue,
                message: "unknown POS event type \(JSONField.excerpt(name)); expected one of \(valid)"
            )
        }
        self = type
    }

    /// The member of `event` that carries the entity id.
    public var idKey: String {
        switch self {
        case .orderUpdated: "orderId"
        case .partyUpdated: "partyId"
        case .reservationUpdated: "reservationId"
        }
    }

    /// The wire name.
    public var description: String { rawValue }
}

/// A change notification the POS sends to Dojo: `{"eventType":"PartyUpdated","event":{"partyId":"…"}}`.
///
/// Only the type and the POS's entity id travel; Dojo fetches the current state itself, so events can be
/// retried and coalesced freely. The initializer validates the id because an outbox must not store an event
/// Dojo would reject forever.
public struct PosEvent: Hashable, Sendable, CustomStringConvertible {
    /// Longest entity id accepted, in UTF-8 bytes.
    public static let maximumIDLength = 256

    /// What changed.
    public let type: PosEventType
    /// The POS's id of the entity.
    public let entityID: String

    /// Creates a validated event.
    ///
    /// - Throws: ``DojoProtocolError`` (code ``DojoProtocolError/Code/invalidValue``) when the id is empty, longer
    ///   than 256 UTF-8 bytes, or contains a control character.
    public init(type: PosEventType, entityID: String) throws(DojoProtocolError) {
        try Self.validate(entityID: entityID)
        self.type = type
        self.entityID = entityID
    }

    /// Creates a validated event from a type's wire name (as stored in an outbox row).
    ///
    /// - Throws: ``DojoProtocolError`` for an unknown type (listing the valid ones) or an invalid id.
    public init(typeName: String, entityID: String) throws(DojoProtocolError) {
        try self.init(type: try PosEventType(validating: typeName), entityID: entityID)
    }

    private static func validate(entityID: String) throws(DojoProtocolError) {
        if entityID.isEmpty {
            throw DojoProtocolError(code: .invalidValue, message: "entity id must not be empty")
        }
        let length = entityID.utf8.count
        if length > maximumIDLength {
            throw DojoProtocolError(
                code: .invalidValue,
                message: "entity id is \(length) bytes long; the maximum is \(maximumIDLength)"
            )
        }
        for (offset, scalar) in entityID.unicodeScalars.enumerated() where scalar.properties.generalCategory == .control
        {
            throw DojoProtocolError(
                code: .invalidValue,
                message: "entity id contains a control character (U+\(hex(scalar.value))) at position \(offset)"
            )
        }
    }

    /// The request body, with `eventType` first as in Dojo's documentation.
    public var body: String {
        var writer = JSONWriter(capacity: 48 + entityID.utf8.count)
        writer.writeOrderedObject([
            ("eventType", .string(type.rawValue)),
            ("event", .object([type.idKey: .string(entityID)])),
        ])
        return writer.text
    }

    /// `PartyUpdated(party-1)`, for logs.
    public var description: String { "\(type.rawValue)(\(entityID))" }
}

extension PosEvent: HandCodedJSON {
    /// `{eventType, event: {<idKey>: id}}`, the id key chosen by the type.
    public static var wireSchema: JSONValue {
        let id: JSONValue = ["type": "string", "minLength": 1, "maxLength": .integer(Int64(maximumIDLength))]
        return [
            "type": "object",
            "required": ["eventType", "event"],
            "properties": [
                "eventType": ["enum": .array(PosEventType.allCases.map { .string($0.rawValue) })],
                "event": ["type": "object"],
            ],
            "oneOf": .array(
                PosEventType.allCases.map { type in
                    [
                        "properties": [
                            "eventType": ["const": .string(type.rawValue)],
                            "event": ["required": [.string(type.idKey)], "properties": [type.idKey: id]],
                        ]
                    ]
                }
            ),
        ]
    }

    /// An order update.
    public static var wireSample: PosEvent {
        do {
            return try PosEvent(type: .orderUpdated, entityID: "order-1")
        } catch {
            preconditionFailure("BUG: the sample event is invalid: \(error)")
        }
    }

    /// Decodes a body (the simulator's side), validating type and id like the initializer.
    public init(json: JSONValue, path: String) throws(DojoProtocolError) {
        let object = try JSONObjectReader(json, path: path)
        let typeName = try object.requiredString("eventType")
        let type: PosEventType
        do {
            type = try PosEventType(validating: typeName)
        } catch {
            throw JSONField.failure(object.path(of: "eventType"), error.message)
        }
        let event = try JSONObjectReader(try object.requiredValue("event"), path: object.path(of: "event"))
        let id = try event.requiredString(type.idKey)
        do {
            try self.init(type: type, entityID: id)
        } catch {
            throw JSONField.failure(event.path(of: type.idKey), error.message)
        }
    }

    /// The wire object.
    public var jsonValue: JSONValue {
        .object(["eventType": .string(type.rawValue), "event": .object([type.idKey: .string(entityID)])])
    }
}

private func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}
