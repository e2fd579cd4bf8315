/// `CreatePartyV1`: guests are seated in Dojo Bookings (a reservation arriving, or a walk-in).
///
/// `status` is optional here although a returned ``Party`` must have one: the adapter chooses a default
/// (for example "Seated"). A walk-in has no `reservationId`/`dojoReservationId`.
public struct CreatePartyRequest: DojoMethodRequest {
    /// `CreatePartyV1`.
    public static let method = DojoMethod.createParty

    /// Dojo's id of the party (for reference; the POS should not reuse it as its own id).
    public var dojoPartyID: String
    /// When the party was seated.
    public var startTime: Timestamp
    /// Tables the party sits across (at least one).
    public var tableIDs: [String]
    /// Lead guest's name.
    public var name: String?
    /// Number of covers (≥ 0).
    public var covers: Int?
    /// Initial status; `nil` when Dojo sends none.
    public var status: String?
    /// When the party is expected to leave.
    public var expectedEndTime: Timestamp?
    /// Host-written notes.
    public var hostNotes: String?
    /// Guest-written requests (read-only for the POS).
    public var guestRequests: String?
    /// The POS's id of the reservation being seated.
    public var reservationID: String?
    /// Dojo's id of that reservation.
    public var dojoReservationID: String?
    /// Deposit taken for the reservation.
    public var deposit: PartyDeposit?
    /// Who is asking.
    public var headers: RequestHeaders

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

    /// Decodes and validates the params.
    public init(json: JSONValue, path: String) throws(DojoProtocolError) {
        let object = try JSONObjectReader(json, path: path)
        self.init(
            dojoPartyID: try object.requiredID("dojoPartyId"),
            startTime: try object.requiredTimestamp("startTime"),
            tableIDs: try object.requiredIDArray("tableIds", nonEmptyReason: TableIDs.emptyReason),
            name: try object.optionalString("name"),
            covers: try object.optionalCount("covers"),
            status: try object.optionalString("status"),
            expectedEndTime: try object.optionalTimestamp("expectedEndTime"),
            hostNotes: try object.optionalString("hostNotes"),
            guestRequests: try object.optionalString("guestRequests"),
            reservationID: try object.optionalID("reservationId"),
            dojoReservationID: try object.optionalID("dojoReservationId"),
            deposit: try object.optional("deposit", as: PartyDeposit.self),
            headers: try object.headers()
        )
    }

    /// The params object.
    public var jsonValue: JSONValue {
        var object = JSONObjectBuilder()
        object.set("dojoPartyId", dojoPartyID)
        object.set("startTime", startTime)
        object.set("tableIds", tableIDs)
        object.set("name", name)
        object.set("covers", covers)
        object.set("status", status)
        object.set("expectedEndTime", expectedEndTime)
        object.set("hostNotes", hostNotes)
        object.set("guestRequests", guestRequests)
        object.set("reservationId", reservationID)
        object.set("dojoReservationId", dojoReservationID)
        object.set("deposit", deposit)
        object.set("headers", headers)
        return object.value
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
    public var id: String
    /// Dojo's id of the party.
    public var dojoPartyID: String
    /// When the party was seated.
    public var startTime: Timestamp
    /// Current status (never empty).
    public var status: String
    /// Tables the party sits across (at least one).
    public var tableIDs: [String]
    /// Lead guest's name.
    public var name: String?
    /// Number of covers (≥ 0).
    public var covers: Int?
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
    public var headers: RequestHeaders

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

    /// Decodes and validates the params.
    public init(json: JSONValue, path: String) throws(DojoProtocolError) {
        let object = try JSONObjectReader(json, path: path)
        self.init(
            id: try object.requiredID("id"),
            dojoPartyID: try object.requiredID("dojoPartyId"),
            startTime: try object.requiredTimestamp("startTime"),
            status: try object.requiredNonEmptyString("status"),
            tableIDs: try object.requiredIDArray("tableIds", nonEmptyReason: TableIDs.emptyReason),
            name: try object.optionalString("name"),
            covers: try object.optionalCount("covers"),
            expectedEndTime: try object.optionalTimestamp("expectedEndTime"),
            endTime: try object.optionalTimestamp("endTime"),
            hostNotes: try object.optionalString("hostNotes"),
            guestRequests: try object.optionalString("guestRequests"),
            deposit: try object.optional("deposit", as: PartyDeposit.self),
            headers: try object.headers()
        )
    }

    /// The params object.
    public var jsonValue: JSONValue {
        var object = JSONObjectBuilder()
        object.set("id", id)
        object.set("dojoPartyId", dojoPartyID)
        object.set("startTime", startTime)
        object.set("status", status)
        object.set("tableIds", tableIDs)
        object.set("name", name)
        object.set("covers", covers)
        object.set("expectedEndTime", expectedEndTime)
        object.set("endTime", endTime)
        object.set("hostNotes", hostNotes)
        object.set("guestRequests", guestRequests)
        object.set("deposit", deposit)
        object.set("headers", headers)
        return object.value
    }
}

/// `GetPartyByIdV1`: Dojo fetches the latest state of a party (typically after a `PartyUpdated` POS event).
/// Answer `NotFound` when it no longer exists.
public struct GetPartyByIDRequest: DojoMethodRequest {
    /// `GetPartyByIdV1`.
    public static let method = DojoMethod.getParty

    /// The POS's id of the party.
    public var partyID: String
    /// Who is asking.
    public var headers: RequestHeaders

    /// Creates the request.
    public init(partyID: String, headers: RequestHeaders = RequestHeaders()) {
        self.partyID = partyID
        self.headers = headers
    }

    /// The POS id.
    public var entityKeys: [EntityKey] { [.party(partyID)] }

    /// Decodes and validates the params.
    public init(json: JSONValue, path: String) throws(DojoProtocolError) {
        let object = try JSONObjectReader(json, path: path)
        self.init(partyID: try object.requiredID("partyId"), headers: try object.headers())
    }

    /// The params object.
    public var jsonValue: JSONValue {
        .object(["partyId": .string(partyID), "headers": headers.jsonValue])
    }
}

/// `DeletePartyByIdV1`: the party is removed in Dojo. Its id may be reused afterwards.
public struct DeletePartyByIDRequest: DojoMethodRequest {
    /// `DeletePartyByIdV1`.
    public static let method = DojoMethod.deleteParty

    /// The POS's id of the party.
    public var partyID: String
    /// Who is asking.
    public var headers: RequestHeaders

    /// Creates the request.
    public init(partyID: String, headers: RequestHeaders = RequestHeaders()) {
        self.partyID = partyID
        self.headers = headers
    }

    /// The POS id.
    public var entityKeys: [EntityKey] { [.party(partyID)] }

    /// Decodes and validates the params.
    public init(json: JSONValue, path: String) throws(DojoProtocolError) {
        let object = try JSONObjectReader(json, path: path)
        self.init(partyID: try object.requiredID("partyId"), headers: try object.headers())
    }

    /// The params object.
    public var jsonValue: JSONValue {
        .object(["partyId": .string(partyID), "headers": headers.jsonValue])
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
    public var tableID: String?
    /// `true`: only parties that have left; `false`/`nil`: only current ones.
    public var completedOnly: Bool?
    /// Paging.
    public var cursor: Cursor?
    /// Who is asking.
    public var headers: RequestHeaders

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

    /// Decodes and validates the params.
    public init(json: JSONValue, path: String) throws(DojoProtocolError) {
        let object = try JSONObjectReader(json, path: path)
        self.init(
            tableID: try object.optionalID("tableId"),
            completedOnly: try object.optionalBool("completedOnly"),
            cursor: try object.optional("cursor", as: Cursor.self),
            headers: try object.headers()
        )
    }

    /// The params object.
    public var jsonValue: JSONValue {
        var object = JSONObjectBuilder()
        object.set("tableId", tableID)
        object.set("completedOnly", completedOnly)
        object.set("cursor", cursor)
        object.set("headers", headers)
        return object.value
    }
}
