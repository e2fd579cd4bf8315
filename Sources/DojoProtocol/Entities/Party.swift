/// Guests seated at one or more tables: what the party methods return.
///
/// A party is created when a reservation is seated or a walk-in sits down. `endTime` set means the party has
/// left ("completed"). Like ``Reservation`` it carries only the POS's id; `dojoPartyId` is on requests only.
public struct Party: Hashable, Sendable {
    /// The POS's id, unique within the POS.
    @Checked<NonEmpty> public var id: String
    /// Usually the lead guest's name.
    public var name: String?
    /// Number of covers (≥ 0).
    @CheckedIfPresent<Count> public var covers: Int?
    /// The tables the party sits across (at least one).
    @Checked<TableIDs> public var tableIDs: [String]
    /// Free text describing where the party is in its visit ("Seated", "Ordered", "Paying"); never empty.
    @Checked<NonEmpty> public var status: String
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

    private enum CodingKeys: String, CodingKey {
        case id, name, covers
        case tableIDs = "tableIds"
        case status, startTime, expectedEndTime, endTime, hostNotes, guestRequests
        case reservationID = "reservationId"
        case deposit
    }
}

extension Party: JSONRepresentable {}

/// Payments captured before arrival to secure a reservation.
public struct PartyDeposit: Hashable, Sendable {
    /// The deposit's value when the party was seated.
    public var totalAmount: Money
    /// The payment intents that made up the deposit; the POS must not edit them.
    ///
    /// The spec requires this list, but its own CreateParty example omits it, so a missing list decodes as
    /// empty (and is written back as `[]`).
    @Checked<BoundedIDs> public var paymentIntentIDs: [String]
    /// A label such as "Sunday Lunch deposit - 4 covers".
    public var description: String?

    /// Creates a deposit.
    public init(totalAmount: Money, paymentIntentIDs: [String] = [], description: String? = nil) {
        self.totalAmount = totalAmount
        self.paymentIntentIDs = paymentIntentIDs
        self.description = description
    }

    private enum CodingKeys: String, CodingKey {
        case totalAmount
        case paymentIntentIDs = "paymentIntentIds"
        case description
    }
}

extension PartyDeposit: JSONRepresentable {}
