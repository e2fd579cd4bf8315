/// Guests seated at one or more tables: what the party methods return.
///
/// A party is created when a reservation is seated or a walk-in sits down. `endTime` set means the party has
/// left ("completed"). Like ``Reservation`` it carries only the POS's id; `dojoPartyId` is on requests only.
public struct Party: Hashable, Sendable {
    /// The POS's id, unique within the POS.
    public var id: String
    /// Usually the lead guest's name.
    public var name: String?
    /// Number of covers (≥ 0).
    public var covers: Int?
    /// The tables the party sits across (at least one).
    public var tableIDs: [String]
    /// Free text describing where the party is in its visit ("Seated", "Ordered", "Paying"); never empty.
    public var status: String
    /// When the party was seated.
    public var startTime: Timestamp
    /// When it is expected to leave, if known.
    public var expectedEndTime: Timestamp?
    /// When it actually left.
    public var endTime: Timestamp?
    /// Host-written notes, never shown to guests.
    public var hostNotes: String?
    /// Guest-written requests; the POS must not edit them.
    public var guestRequests: String?
    /// The POS's id of the reservation this party came from, if any.
    public var reservationID: String?
    /// Money taken before arrival to secure the booking.
    public var deposit: PartyDeposit?

    /// Creates a party.
    public init(
        id: String,
        name: String? = nil,
        covers: Int? = nil,
        tableIDs: [String],
        status: String,
        startTime: Timestamp,
        expectedEndTime: Timestamp? = nil,
        endTime: Timestamp? = nil,
        hostNotes: String? = nil,
        guestRequests: String? = nil,
        reservationID: String? = nil,
        deposit: PartyDeposit? = nil
    ) {
        self.id = id
        self.name = name
        self.covers = covers
        self.tableIDs = tableIDs
        self.status = status
        self.startTime = startTime
        self.expectedEndTime = expectedEndTime
        self.endTime = endTime
        self.hostNotes = hostNotes
        self.guestRequests = guestRequests
        self.reservationID = reservationID
        self.deposit = deposit
    }
}

extension Party: JSONRepresentable {
    /// Decodes and validates a party.
    public init(json: JSONValue, path: String) throws(DojoProtocolError) {
        let object = try JSONObjectReader(json, path: path)
        self.init(
            id: try object.requiredNonEmptyString("id"),
            name: try object.optionalString("name"),
            covers: try object.optionalCount("covers"),
            tableIDs: try object.requiredStringArray("tableIds", nonEmptyReason: TableIDs.emptyReason),
            status: try object.requiredNonEmptyString("status"),
            startTime: try object.requiredTimestamp("startTime"),
            expectedEndTime: try object.optionalTimestamp("expectedEndTime"),
            endTime: try object.optionalTimestamp("endTime"),
            hostNotes: try object.optionalString("hostNotes"),
            guestRequests: try object.optionalString("guestRequests"),
            reservationID: try object.optionalString("reservationId"),
            deposit: try object.optional("deposit", as: PartyDeposit.self)
        )
    }

    /// The wire object.
    public var jsonValue: JSONValue {
        var object = JSONObjectBuilder()
        object.set("id", id)
        object.set("name", name)
        object.set("covers", covers)
        object.set("tableIds", tableIDs)
        object.set("status", status)
        object.set("startTime", startTime)
        object.set("expectedEndTime", expectedEndTime)
        object.set("endTime", endTime)
        object.set("hostNotes", hostNotes)
        object.set("guestRequests", guestRequests)
        object.set("reservationId", reservationID)
        object.set("deposit", deposit)
        return object.value
    }
}

/// Payments captured before arrival to secure a reservation.
public struct PartyDeposit: Hashable, Sendable {
    /// The deposit's value when the party was seated.
    public var totalAmount: Money
    /// The payment intents that made up the deposit; the POS must not edit them.
    ///
    /// The spec requires this list, but its own CreateParty example omits it, so a missing list decodes as
    /// empty (and is written back as `[]`).
    public var paymentIntentIDs: [String]
    /// A label such as "Sunday Lunch deposit - 4 covers".
    public var description: String?

    /// Creates a deposit.
    public init(totalAmount: Money, paymentIntentIDs: [String] = [], description: String? = nil) {
        self.totalAmount = totalAmount
        self.paymentIntentIDs = paymentIntentIDs
        self.description = description
    }
}

extension PartyDeposit: JSONRepresentable {
    /// Decodes a deposit, tolerating a missing `paymentIntentIds`.
    public init(json: JSONValue, path: String) throws(DojoProtocolError) {
        let object = try JSONObjectReader(json, path: path)
        self.init(
            totalAmount: try object.required("totalAmount", as: Money.self),
            paymentIntentIDs: try object.optionalIDArray("paymentIntentIds") ?? [],
            description: try object.optionalString("description")
        )
    }

    /// The wire object; `paymentIntentIds` is always written.
    public var jsonValue: JSONValue {
        var object = JSONObjectBuilder()
        object.set("totalAmount", totalAmount)
        object.set("paymentIntentIds", paymentIntentIDs)
        object.set("description", description)
        return object.value
    }
}
