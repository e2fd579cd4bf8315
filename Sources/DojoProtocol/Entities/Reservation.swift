/// A booking as the POS holds it: what `CreateReservationV1`, `UpdateReservationV1`, `GetReservationByIdV1`
/// and `SearchReservationsV1` return.
///
/// The entity carries only the POS's own `id`; the Dojo id arrives on create/update requests and the POS keeps
/// the mapping. There is no status: cancelling is `DeleteReservationByIdV1`.
public struct Reservation: Hashable, Sendable {
    /// The POS's id, unique within the POS.
    @Checked<NonEmpty> public var id: String
    /// The guest the reservation is for.
    public var name: String
    /// Expected number of covers (≥ 0).
    @Checked<Count> public var covers: Int
    /// When the reservation is expected to begin.
    public var startTime: Timestamp
    /// When it is expected to finish.
    public var endTime: Timestamp
    /// The tables it is expected to occupy (at least one).
    @Checked<TableIDs> public var tableIDs: [String]
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

    private enum CodingKeys: String, CodingKey {
        case id, name, covers, startTime, endTime
        case tableIDs = "tableIds"
        case hostNotes, guestRequests
    }
}

extension Reservation: JSONRepresentable {}
