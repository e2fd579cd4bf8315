/// `CreateReservationV1`: Dojo Bookings sends a booking to the POS (on the day it is for).
///
/// Dojo always provides every field it knows. The POS answers with its ``Reservation``, carrying the POS id
/// Dojo will use from then on; it should make creation idempotent on ``dojoReservationID``.
public struct CreateReservationRequest: DojoMethodRequest {
    /// `CreateReservationV1`.
    public static let method = DojoMethod.createReservation

    /// Dojo's id of the reservation.
    @Checked<NonEmptyID> public var dojoReservationID: String
    /// The guest's name.
    public var name: String
    /// Number of covers (≥ 0).
    @Checked<Count> public var covers: Int
    /// Expected arrival.
    public var startTime: Timestamp
    /// Expected departure.
    public var endTime: Timestamp
    /// Tables to hold (at least one).
    @Checked<BoundedTableIDs> public var tableIDs: [String]
    /// Host-written notes.
    public var hostNotes: String?
    /// Guest-written requests (read-only for the POS).
    public var guestRequests: String?
    /// Who is asking.
    @Checked<OptionalHeaders> public var headers: RequestHeaders

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

    private enum CodingKeys: String, CodingKey {
        case dojoReservationID = "dojoReservationId"
        case name, covers, startTime, endTime
        case tableIDs = "tableIds"
        case hostNotes, guestRequests, headers
    }
}

/// `UpdateReservationV1`: sets a reservation's details to those given (a full replacement, not a patch).
public struct UpdateReservationRequest: DojoMethodRequest {
    /// `UpdateReservationV1`.
    public static let method = DojoMethod.updateReservation

    /// The POS's id of the reservation.
    @Checked<NonEmptyID> public var id: String
    /// Dojo's id of the reservation.
    @Checked<NonEmptyID> public var dojoReservationID: String
    /// The guest's name.
    public var name: String
    /// Number of covers (≥ 0).
    @Checked<Count> public var covers: Int
    /// Expected arrival.
    public var startTime: Timestamp
    /// Expected departure.
    public var endTime: Timestamp
    /// Tables to hold (at least one).
    @Checked<BoundedTableIDs> public var tableIDs: [String]
    /// Host-written notes.
    public var hostNotes: String?
    /// Guest-written requests (read-only for the POS).
    public var guestRequests: String?
    /// Who is asking.
    @Checked<OptionalHeaders> public var headers: RequestHeaders

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

    private enum CodingKeys: String, CodingKey {
        case id
        case dojoReservationID = "dojoReservationId"
        case name, covers, startTime, endTime
        case tableIDs = "tableIds"
        case hostNotes, guestRequests, headers
    }
}

/// `GetReservationByIdV1`: Dojo fetches the latest state of a reservation (typically after a
/// `ReservationUpdated` POS event). Answer `NotFound` when it no longer exists.
public struct GetReservationByIDRequest: DojoMethodRequest {
    /// `GetReservationByIdV1`.
    public static let method = DojoMethod.getReservation

    /// The POS's id of the reservation.
    @Checked<NonEmptyID> public var reservationID: String
    /// Who is asking.
    @Checked<OptionalHeaders> public var headers: RequestHeaders

    /// Creates the request.
    public init(reservationID: String, headers: RequestHeaders = RequestHeaders()) {
        self.reservationID = reservationID
        self.headers = headers
    }

    /// The POS id.
    public var entityKeys: [EntityKey] { [.reservation(reservationID)] }

    private enum CodingKeys: String, CodingKey {
        case reservationID = "reservationId"
        case headers
    }
}

/// `DeleteReservationByIdV1`: the reservation is cancelled or removed in Dojo (there is no separate cancel).
public struct DeleteReservationByIDRequest: DojoMethodRequest {
    /// `DeleteReservationByIdV1`.
    public static let method = DojoMethod.deleteReservation

    /// The POS's id of the reservation.
    @Checked<NonEmptyID> public var reservationID: String
    /// Who is asking.
    @Checked<OptionalHeaders> public var headers: RequestHeaders

    /// Creates the request.
    public init(reservationID: String, headers: RequestHeaders = RequestHeaders()) {
        self.reservationID = reservationID
        self.headers = headers
    }

    /// The POS id.
    public var entityKeys: [EntityKey] { [.reservation(reservationID)] }

    private enum CodingKeys: String, CodingKey {
        case reservationID = "reservationId"
        case headers
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
    @CheckedIfPresent<BoundedID> public var tableID: String?
    /// Start of the time window.
    public var fromTime: Timestamp?
    /// End of the time window.
    public var toTime: Timestamp?
    /// Paging.
    public var cursor: Cursor?
    /// Who is asking.
    @Checked<OptionalHeaders> public var headers: RequestHeaders

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

    private enum CodingKeys: String, CodingKey {
        case tableID = "tableId"
        case fromTime, toTime, cursor, headers
    }
}
