/// A JSON-RPC method Dojo sends to the POS that this agent implements, by its wire name.
///
/// The wire name is the capability name plus `V1` (`CreateReservation` → `CreateReservationV1`), except
/// `HandleEventV1`, which serves the two `HandleEvent:payment_intent.*` capabilities. Order locking, bills and
/// payments are Dojo methods the agent does not implement yet; they decode as an unsupported method.
public enum DojoMethod: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    /// `CreateReservationV1`.
    case createReservation = "CreateReservationV1"
    /// `GetReservationByIdV1`.
    case getReservation = "GetReservationByIdV1"
    /// `UpdateReservationV1`.
    case updateReservation = "UpdateReservationV1"
    /// `DeleteReservationByIdV1`.
    case deleteReservation = "DeleteReservationByIdV1"
    /// `SearchReservationsV1`.
    case searchReservations = "SearchReservationsV1"
    /// `CreatePartyV1`.
    case createParty = "CreatePartyV1"
    /// `GetPartyByIdV1`.
    case getParty = "GetPartyByIdV1"
    /// `UpdatePartyV1`.
    case updateParty = "UpdatePartyV1"
    /// `DeletePartyByIdV1`.
    case deleteParty = "DeletePartyByIdV1"
    /// `SearchPartiesV1`.
    case searchParties = "SearchPartiesV1"
    /// `SearchTablesV1`.
    case searchTables = "SearchTablesV1"
    /// `ListAreasV1`.
    case listAreas = "ListAreasV1"
    /// `GetOrderByIdV1`.
    case getOrder = "GetOrderByIdV1"
    /// `SearchOrdersV1`.
    case searchOrders = "SearchOrdersV1"
    /// `HandleEventV1`.
    case handleEvent = "HandleEventV1"

    /// The wire name, as in the request's `method` member.
    public var wireName: String { rawValue }

    /// The wire name.
    public var description: String { rawValue }

    /// The capabilities that make Dojo send this method: one, or two for `HandleEventV1`.
    public var capabilities: [Capability] {
        Self.capabilitiesByMethod[self] ?? []
    }

    /// `Capability.all` by method, built once (routing asks for a request's capability on every request).
    private static let capabilitiesByMethod = Dictionary(grouping: Capability.all, by: \.method)

    /// Wire names of Dojo EPOS methods that exist but that this agent does not implement; asked for one, the
    /// agent answers "not supported" rather than "unknown".
    public static let unsupportedWireNames: Set<String> = [
        "CreateOrderV1", "CancelOrderByIdV1", "CreateOrderLockV1", "DeleteOrderLockV1", "ExtendOrderLockV1",
        "GetOrderBillByIdV1", "RecordOrderPaymentByIdV1",
    ]
}
