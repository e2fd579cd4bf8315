/// `CreatePartyV1`: guests are seated in Dojo Bookings (a reservation arriving, or a walk-in).
///
/// `status` is optional here although a returned ``Party`` must have one: the adapter chooses a default
/// (for example "Seated"). A walk-in has no `reservationId`/`dojoReservationId`.
public struct CreatePartyRequest: DojoMethodRequest {
    /// `CreatePartyV1`.
    public static let method = DojoMethod.createParty

    /// Dojo's id of the party (for reference; the POS should not reuse it as its own id).
    @Checked<NonEmptyID> public var dojoPartyID: String
    /// When the party was seated.
    public var startTime: Timestamp
    /// Tables the party sits across (at least one).
    @Checked<BoundedTableIDs> public var tableIDs: [String]
    /// Lead guest's name.
    public var name: String?
    /// Number of covers (≥ 0).
    @CheckedIfPresent<Count> public var covers: Int?
    /// Initial status; `nil` when Dojo sends none.
    public var status: String?
    /// When the party is expected to leave.
    public var expectedEndTime: Timestamp?
    /// Host-written notes.
    public var hostNotes: String?
    /// Guest-written requests (read-only for the POS).
    public var guestRequests: String?
    /// The POS's id of the reservation being seated.
    @CheckedIfPresent<BoundedID> public var reservationID: String?
    /// Dojo's id of that reservation.
    @CheckedIfPresent<BoundedID> public var dojoReservationID: String?
    /// Deposit taken for the reservation.
    public var deposit: PartyDeposit?
    /// Who is asking.
    @Checked<OptionalHeaders> public var headers: RequestHeaders

    /// Creates the request.
    public init(
        dojoPartyID: String,
        startTime: Timestamp,
        tableIDs: [String],
        name: String? = nil,
        covers: Int? = nil,
        status: String? = nil,
        expectedEndTime: Timestamp? = nil,
        hostNotes: String? = nil,
        guestRequests: String? = nil,
        reservationID: String? = nil,
        dojoReservationID: String? = nil,
        deposit: PartyDeposit? = nil,
        headers: RequestHeaders = RequestHeaders()
    ) {
        self.dojoPartyID = dojoPartyID
        self.startTime = startTime
        self.tableIDs = tableIDs
        self.name = name
        self.covers = covers
        self.status = status
        self.expectedEndTime = expectedEndTime
        self.hostNotes = hostNotes
        self.guestRequests = guestRequests
        self.reservationID = reservationID
        self.dojoReservationID = dojoReservationID
        self.deposit = deposit
        self.headers = headers
    }

    /// The Dojo party id, plus the seated reservation's ids so seating is ordered with that reservation's
    /// updates.
    public var entityKeys: [EntityKey] {
        var keys: [EntityKey] = [.dojoParty(dojoPartyID)]
        if let reservationID { keys.append(.reservation(reservationID)) }
        if let dojoReservationID { keys.append(.dojoReservation(dojoReservationID)) }
        return keys
    }

    private enum CodingKeys: String, CodingKey {
        case dojoPartyID = "dojoPartyId"
        case startTime
        case tableIDs = "tableIds"
        case name, covers, status, expectedEndTime, hostNotes, guestRequests
        case reservationID = "reservationId"
        case dojoReservationID = "dojoReservationId"
        case deposit, headers
    }
}

/// `UpdatePartyV1`: sets a party's details to those given (a full replacement).
///
/// The reservation link is not part of the update: an implementation must keep the party's `reservationId`
/// rather than clear it because it is absent here.
public struct UpdatePartyRequest: DojoMethodRequest {
    /// `UpdatePartyV1`.
    public static let method = DojoMethod.updateParty

    /// The POS's id of the party.
    @Checked<NonEmptyID> public var id: String
    /// Dojo's id of the party.
    @Checked<NonEmptyID> public var dojoPartyID: String
    /// When the party was seated.
    public var startTime: Timestamp
    /// Current status (never empty).
    @Checked<NonEmpty> public var status: String
    /// Tables the party sits across (at least one).
    @Checked<BoundedTableIDs> public var tableIDs: [String]
    /// Lead guest's name.
    public var name: String?
    /// Number of covers (≥ 0).
    @CheckedIfPresent<Count> public var covers: Int?
    /// When the party is expected to leave.
    public var expectedEndTime: Timestamp?
    /// When the party left (set once it has).
    public var endTime: Timestamp?
    /// Host-written notes.
    public var hostNotes: String?
    /// Guest-written requests (read-only for the POS).
    public var guestRequests: String?
    /// Deposit.
    public var deposit: PartyDeposit?
    /// Who is asking.
    @Checked<OptionalHeaders> public var headers: RequestHeaders

    /// Creates the request.
    public init(
        id: String,
        dojoPartyID: String,
        startTime: Timestamp,
        status: String,
        tableIDs: [String],
        name: String? = nil,
        covers: Int? = nil,
        expectedEndTime: Timestamp? = nil,
        endTime: Timestamp? = nil,
        hostNotes: String? = nil,
        guestRequests: String? = nil,
        deposit: PartyDeposit? = nil,
        headers: RequestHeaders = RequestHeaders()
    ) {
        self.id = id
        self.dojoPartyID = dojoPartyID
        self.startTime = startTime
        self.status = status
        self.tableIDs = tableIDs
        self.name = name
        self.covers = covers
        self.expectedEndTime = expectedEndTime
        self.endTime = endTime
        self.hostNotes = hostNotes
        self.guestRequests = guestRequests
        self.deposit = deposit
        self.headers = headers
    }

    /// POS id and Dojo id.
    public var entityKeys: [EntityKey] { [.party(id), .dojoParty(dojoPartyID)] }

    private enum CodingKeys: String, CodingKey {
        case id
        case dojoPartyID = "dojoPartyId"
        case startTime, status
        case tableIDs = "tableIds"
        case name, covers, expectedEndTime, endTime, hostNotes, guestRequests, deposit, headers
    }
}

/// `GetPartyByIdV1`: Dojo fetches the latest state of a party (typically after a `PartyUpdated` POS event).
/// Answer `NotFound` when it no longer exists.
public struct GetPartyByIDRequest: DojoMethodRequest {
    /// `GetPartyByIdV1`.
    public static let method = DojoMethod.getParty

    /// The POS's id of the party.
    @Checked<NonEmptyID> public var partyID: String
    /// Who is asking.
    @Checked<OptionalHeaders> public var headers: RequestHeaders

    /// Creates the request.
    public init(partyID: String, headers: RequestHeaders = RequestHeaders()) {
        self.partyID = partyID
        self.headers = headers
    }

    /// The POS id.
    public var entityKeys: [EntityKey] { [.party(partyID)] }

    private enum CodingKeys: String, CodingKey {
        case partyID = "partyId"
        case headers
    }
}

/// `DeletePartyByIdV1`: the party is removed in Dojo. Its id may be reused afterwards.
public struct DeletePartyByIDRequest: DojoMethodRequest {
    /// `DeletePartyByIdV1`.
    public static let method = DojoMethod.deleteParty

    /// The POS's id of the party.
    @Checked<NonEmptyID> public var partyID: String
    /// Who is asking.
    @Checked<OptionalHeaders> public var headers: RequestHeaders

    /// Creates the request.
    public init(partyID: String, headers: RequestHeaders = RequestHeaders()) {
        self.partyID = partyID
        self.headers = headers
    }

    /// The POS id.
    public var entityKeys: [EntityKey] { [.party(partyID)] }

    private enum CodingKeys: String, CodingKey {
        case partyID = "partyId"
        case headers
    }
}

/// `SearchPartiesV1`: lists parties, optionally at one table, one page at a time.
///
/// Without `completedOnly` (or with `false`) only current parties (no `endTime`) are listed; with
/// `completedOnly: true` only completed parties (with `endTime`) are, which is what the spec's wording says.
public struct SearchPartiesRequest: DojoMethodRequest {
    /// `SearchPartiesV1`.
    public static let method = DojoMethod.searchParties

    /// Only parties at this table.
    @CheckedIfPresent<BoundedID> public var tableID: String?
    /// `true`: only parties that have left; `false`/`nil`: only current ones.
    public var completedOnly: Bool?
    /// Paging.
    public var cursor: Cursor?
    /// Who is asking.
    @Checked<OptionalHeaders> public var headers: RequestHeaders

    /// Creates the request.
    public init(
        tableID: String? = nil,
        completedOnly: Bool? = nil,
        cursor: Cursor? = nil,
        headers: RequestHeaders = RequestHeaders()
    ) {
        self.tableID = tableID
        self.completedOnly = completedOnly
        self.cursor = cursor
        self.headers = headers
    }

    /// None.
    public var entityKeys: [EntityKey] { [] }

    private enum CodingKeys: String, CodingKey {
        case tableID = "tableId"
        case completedOnly, cursor, headers
    }
}
