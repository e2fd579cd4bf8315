/// A booking as the POS holds it: what `CreateReservationV1`, `UpdateReservationV1`, `GetReservationByIdV1`
/// and `SearchReservationsV1` return.
///
/// The entity carries only the POS's own `id`; the Dojo id arrives on create/update requests and the POS keeps
/// the mapping. There is no status: cancelling is `DeleteReservationByIdV1`.
public struct Reservation: Hashable, Sendable {
    /// The POS's id, unique within the POS.
    public var id: String
    /// The guest the reservation is for.
    public var name: String
    /// Expected number of covers (≥ 0).
    public var covers: Int
    /// When the reservation is expected to begin.
    public var startTime: Timestamp
    /// When it is expected to finish.
    public var endTime: Timestamp
    /// The tables it is expected to occupy (at least one).
    public var tableIDs: [String]
    /// Host-written notes, never shown to guests.
    public var hostNotes: String?
    /// Guest-written requests; the POS must not edit them (they may carry dietary requirements).
    public var guestRequests: String?

    /// Creates a reservation.
    public init(
        id: String,
        name: String,
        covers: Int,
        startTime: Timestamp,
        endTime: Timestamp,
        tableIDs: [String],
        hostNotes: String? = nil,
        guestRequests: String? = nil
    ) {
        self.id = id
        self.name = name
        self.covers = covers
        self.startTime = startTime
        self.endTime = endTime
        self.tableIDs = tableIDs
        self.hostNotes = hostNotes
        self.guestRequests = guestRequests
    }
}

extension Reservation: JSONRepresentable {
    /// Decodes and validates a reservation.
    public init(json: JSONValue, path: String) throws(DojoProtocolError) {
        let object = try JSONObjectReader(json, path: path)
        self.init(
            id: try object.requiredNonEmptyString("id"),
            name: try object.requiredString("name"),
            covers: try object.requiredCount("covers"),
            startTime: try object.requiredTimestamp("startTime"),
            endTime: try object.requiredTimestamp("endTime"),
            tableIDs: try object.requiredStringArray("tableIds", nonEmptyReason: TableIDs.emptyReason),
            hostNotes: try object.optionalString("hostNotes"),
            guestRequests: try object.optionalString("guestRequests")
        )
    }

    /// The wire object.
    public var jsonValue: JSONValue {
        var object = JSONObjectBuilder()
        object.set("id", id)
        object.set("name", name)
        object.set("covers", covers)
        object.set("startTime", startTime)
        object.set("endTime", endTime)
        object.set("tableIds", tableIDs)
        object.set("hostNotes", hostNotes)
        object.set("guestRequests", guestRequests)
        return object.value
    }
}

/// Shared wording for the "at least one table" rule (the spec writes `minLength: 1` on arrays, meaning items).
enum TableIDs {
    static let emptyReason = "must contain at least one table id"
}
