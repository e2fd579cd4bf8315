/// `CreateReservationV1`: Dojo Bookings sends a booking to the POS (on the day it is for).
///
/// Dojo always provides every field it knows. The POS answers with its ``Reservation``, carrying the POS id
/// Dojo will use from then on; it should make creation idempotent on ``dojoReservationID``.
public struct CreateReservationRequest: DojoMethodRequest {
    /// `CreateReservationV1`.
    public static let method = DojoMethod.createReservation

    /// Dojo's id of the reservation.
    public var dojoReservationID: String
    /// The guest's name.
    public var name: String
    /// Number of covers (≥ 0).
    public var covers: Int
    /// Expected arrival.
    public var startTime: Timestamp
    /// Expected departure.
    public var endTime: Timestamp
    /// Tables to hold (at least one).
    public var tableIDs: [String]
    /// Host-written notes.
    public var hostNotes: String?
    /// Guest-written requests (read-only for the POS).
    public var guestRequests: String?
    /// Who is asking.
    public var headers: RequestHeaders

    /// Creates the request.
    public init(
        dojoReservationID: String,
        name: String,
        covers: Int,
        startTime: Timestamp,
        endTime: Timestamp,
        tableIDs: [String],
        hostNotes: String? = nil,
        guestRequests: String? = nil,
        headers: RequestHeaders = RequestHeaders()
    ) {
        self.dojoReservationID = dojoReservationID
        self.name = name
        self.covers = covers
        self.startTime = startTime
        self.endTime = endTime
        self.tableIDs = tableIDs
        self.hostNotes = hostNotes
        self.guestRequests = guestRequests
        self.headers = headers
    }

    /// The Dojo id only: the POS id does not exist until this request is answered.
    public var entityKeys: [EntityKey] { [.dojoReservation(dojoReservationID)] }

    /// Decodes and validates the params.
    public init(json: JSONValue, path: String) throws(DojoProtocolError) {
        let object = try JSONObjectReader(json, path: path)
        self.init(
            dojoReservationID: try object.requiredID("dojoReservationId"),
            name: try object.requiredString("name"),
            covers: try object.requiredCount("covers"),
            startTime: try object.requiredTimestamp("startTime"),
            endTime: try object.requiredTimestamp("endTime"),
            tableIDs: try object.requiredIDArray("tableIds", nonEmptyReason: TableIDs.emptyReason),
            hostNotes: try object.optionalString("hostNotes"),
            guestRequests: try object.optionalString("guestRequests"),
            headers: try object.headers()
        )
    }

    /// The params object.
    public var jsonValue: JSONValue {
        var object = JSONObjectBuilder()
        object.set("dojoReservationId", dojoReservationID)
        object.set("name", name)
        object.set("covers", covers)
        object.set("startTime", startTime)
        object.set("endTime", endTime)
        object.set("tableIds", tableIDs)
        object.set("hostNotes", hostNotes)
        object.set("guestRequests", guestRequests)
        object.set("headers", headers)
        return object.value
    }
}

/// `UpdateReservationV1`: sets a reservation's details to those given (a full replacement, not a patch).
public struct UpdateReservationRequest: DojoMethodRequest {
    /// `UpdateReservationV1`.
    public static let method = DojoMethod.updateReservation

    /// The POS's id of the reservation.
    public var id: String
    /// Dojo's id of the reservation.
    public var dojoReservationID: String
    /// The guest's name.
    public var name: String
    /// Number of covers (≥ 0).
    public var covers: Int
    /// Expected arrival.
    public var startTime: Timestamp
    /// Expected departure.
    public var endTime: Timestamp
    /// Tables to hold (at least one).
    public var tableIDs: [String]
    /// Host-written notes.
    public var hostNotes: String?
    /// Guest-written requests (read-only for the POS).
    public var guestRequests: String?
    /// Who is asking.
    public var headers: RequestHeaders

    /// Creates the request.
    public init(
        id: String,
        dojoReservationID: String,
        name: String,
        covers: Int,
        startTime: Timestamp,
        endTime: Timestamp,
        tableIDs: [String],
        hostNotes: String? = nil,
        guestRequests: String? = nil,
        headers: RequestHeaders = RequestHeaders()
    ) {
        self.id = id
        self.dojoReservationID = dojoReservationID
        self.name = name
        self.covers = covers
        self.startTime = startTime
        self.endTime = endTime
        self.tableIDs = tableIDs
        self.hostNotes = hostNotes
        self.guestRequests = guestRequests
        self.headers = headers
    }

    /// POS id (orders it with Get/Delete) and Dojo id (orders it after its Create).
    public var entityKeys: [EntityKey] { [.reservation(id), .dojoReservation(dojoReservationID)] }

    /// Decodes and validates the params.
    public init(json: JSONValue, path: String) throws(DojoProtocolError) {
        let object = try JSONObjectReader(json, path: path)
        self.init(
            id: try object.requiredID("id"),
            dojoReservationID: try object.requiredID("dojoReservationId"),
            name: try object.requiredString("name"),
            covers: try object.requiredCount("covers"),
            startTime: try object.requiredTimestamp("startTime"),
            endTime: try object.requiredTimestamp("endTime"),
            tableIDs: try object.requiredIDArray("tableIds", nonEmptyReason: TableIDs.emptyReason),
            hostNotes: try object.optionalString("hostNotes"),
            guestRequests: try object.optionalString("guestRequests"),
            headers: try object.headers()
        )
    }

    /// The params object.
    public var jsonValue: JSONValue {
        var object = JSONObjectBuilder()
        object.set("id", id)
        object.set("dojoReservationId", dojoReservationID)
        object.set("name", name)
        object.set("covers", covers)
        object.set("startTime", startTime)
        object.set("endTime", endTime)
        object.set("tableIds", tableIDs)
        object.set("hostNotes", hostNotes)
        object.set("guestRequests", guestRequests)
        object.set("headers", headers)
        return object.value
    }
}

/// `GetReservationByIdV1`: Dojo fetches the latest state of a reservation (typically after a
/// `ReservationUpdated` POS event). Answer `NotFound` when it no longer exists.
public struct GetReservationByIDRequest: DojoMethodRequest {
    /// `GetReservationByIdV1`.
    public static let method = DojoMethod.getReservation

    /// The POS's id of the reservation.
    public var reservationID: String
    /// Who is asking.
    public var headers: RequestHeaders

    /// Creates the request.
    public init(reservationID: String, headers: RequestHeaders = RequestHeaders()) {
        self.reservationID = reservationID
        self.headers = headers
    }

    /// The POS id.
    public var entityKeys: [EntityKey] { [.reservation(reservationID)] }

    /// Decodes and validates the params.
    public init(json: JSONValue, path: String) throws(DojoProtocolError) {
        let object = try JSONObjectReader(json, path: path)
        self.init(reservationID: try object.requiredID("reservationId"), headers: try object.headers())
    }

    /// The params object.
    public var jsonValue: JSONValue {
        .object(["reservationId": .string(reservationID), "headers": headers.jsonValue])
    }
}

/// `DeleteReservationByIdV1`: the reservation is cancelled or removed in Dojo (there is no separate cancel).
public struct DeleteReservationByIDRequest: DojoMethodRequest {
    /// `DeleteReservationByIdV1`.
    public static let method = DojoMethod.deleteReservation

    /// The POS's id of the reservation.
    public var reservationID: String
    /// Who is asking.
    public var headers: RequestHeaders

    /// Creates the request.
    public init(reservationID: String, headers: RequestHeaders = RequestHeaders()) {
        self.reservationID = reservationID
        self.headers = headers
    }

    /// The POS id.
    public var entityKeys: [EntityKey] { [.reservation(reservationID)] }

    /// Decodes and validates the params.
    public init(json: JSONValue, path: String) throws(DojoProtocolError) {
        let object = try JSONObjectReader(json, path: path)
        self.init(reservationID: try object.requiredID("reservationId"), headers: try object.headers())
    }

    /// The params object.
    public var jsonValue: JSONValue {
        .object(["reservationId": .string(reservationID), "headers": headers.jsonValue])
    }
}

/// `SearchReservationsV1`: lists reservations, optionally filtered by table and time window, one page at a time.
///
/// The spec does not say whether the window selects reservations that start in it or overlap it; the adapter
/// decides and should document its choice.
public struct SearchReservationsRequest: DojoMethodRequest {
    /// `SearchReservationsV1`.
    public static let method = DojoMethod.searchReservations

    /// Only reservations holding this table.
    public var tableID: String?
    /// Start of the time window.
    public var fromTime: Timestamp?
    /// End of the time window.
    public var toTime: Timestamp?
    /// Paging.
    public var cursor: Cursor?
    /// Who is asking.
    public var headers: RequestHeaders

    /// Creates the request.
    public init(
        tableID: String? = nil,
        fromTime: Timestamp? = nil,
        toTime: Timestamp? = nil,
        cursor: Cursor? = nil,
        headers: RequestHeaders = RequestHeaders()
    ) {
        self.tableID = tableID
        self.fromTime = fromTime
        self.toTime = toTime
        self.cursor = cursor
        self.headers = headers
    }

    /// None: searches are not ordered against writes.
    public var entityKeys: [EntityKey] { [] }

    /// Decodes and validates the params.
    public init(json: JSONValue, path: String) throws(DojoProtocolError) {
        let object = try JSONObjectReader(json, path: path)
        self.init(
            tableID: try object.optionalID("tableId"),
            fromTime: try object.optionalTimestamp("fromTime"),
            toTime: try object.optionalTimestamp("toTime"),
            cursor: try object.optional("cursor", as: Cursor.self),
            headers: try object.headers()
        )
    }

    /// The params object.
    public var jsonValue: JSONValue {
        var object = JSONObjectBuilder()
        object.set("tableId", tableID)
        object.set("fromTime", fromTime)
        object.set("toTime", toTime)
        object.set("cursor", cursor)
        object.set("headers", headers)
        return object.value
    }
}
