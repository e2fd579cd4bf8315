public import DojoProtocol

/// What a POS vendor implements so the agent can serve Dojo's EPOS Data requests.
///
/// One method per Dojo capability; each takes the decoded, validated request and a ``RequestContext`` and
/// returns the typed result. The agent registers exactly ``capabilities`` with Dojo and refuses any other
/// request before it reaches the adapter, so an adapter implements only what it declares; the others keep the
/// default implementation, which throws ``AdapterError/notImplemented(_:)``.
///
/// Rules an implementation follows:
/// - Throw ``AdapterError`` to choose the Dojo error (`notFound` makes Dojo treat the entity as deleted). Any
///   other error reaches Dojo as a generic `UnexpectedError`; its details stay in the local log.
/// - Requests about the same entity arrive one at a time, in order (see `EntityKey`); unrelated requests may
///   run concurrently, so the adapter must be safe to call from several tasks at once.
/// - Make `createReservation` and `createParty` idempotent on the Dojo id: Dojo may retry them.
///
/// ```swift
/// struct MyPOS: POSAdapter {
///     var capabilities: Set<Capability> { [.createReservation, .getReservationByID] }
///
///     func createReservation(
///         _ request: CreateReservationRequest,
///         context: RequestContext
///     ) async throws -> Reservation {
///         try await store.upsertReservation(from: request)
///     }
///
///     func getReservation(
///         _ request: GetReservationByIDRequest,
///         context: RequestContext
///     ) async throws -> Reservation {
///         guard let found = try await store.reservation(id: request.reservationID) else {
///             throw AdapterError.notFound("no reservation \(request.reservationID)")
///         }
///         return found
///     }
/// }
/// ```
public protocol POSAdapter: Sendable {
    /// The capabilities this adapter implements: registered with Dojo, and the only requests routed to it.
    var capabilities: Set<Capability> { get }

    /// Returns once the adapter can serve requests and ``capabilities`` is what it serves. The agent connects to
    /// Dojo only after this returns, so no request is refused for a capability that is merely not known yet.
    /// The default returns at once; an adapter that starts slowly (a process, a POS database still opening)
    /// waits here. Throws `CancellationError` when the agent stops while waiting.
    func waitUntilReady() async throws

    /// The capabilities as they are now, then each time they change (a process adapter declares its set again
    /// after each restart); the agent registers every value with Dojo. The default yields ``capabilities`` once.
    func capabilityUpdates() -> AsyncStream<Set<Capability>>

    /// What the adapter is doing now, for the start-up line and `dojo-agent status`. The default: an embedded
    /// adapter named by its type, always ready.
    var adapterStatus: AdapterStatus { get }

    /// Runs what the adapter needs for as long as the agent serves (the process adapter: its child process). The
    /// agent runs it in its service group, started before the session and stopped after it: return on graceful
    /// shutdown (swift-service-lifecycle's `withGracefulShutdownHandler`); a throw stops the agent. The default
    /// returns at once: nothing to run.
    func runAlongsideAgent() async throws

    /// For the systemd watchdog, a probe of a loop the adapter runs (``runAlongsideAgent()``): it must call
    /// `answer` from that loop when the loop gets to it, so a wedged loop stops the watchdog's pets. The default is
    /// nil: nothing to watch.
    var livenessProbe: (@Sendable (_ answer: @escaping @Sendable () -> Void) -> Void)? { get }

    /// Creates a reservation (`CreateReservationV1`) and returns it with the POS's id.
    func createReservation(_ request: CreateReservationRequest, context: RequestContext) async throws -> Reservation
    /// Replaces a reservation's details (`UpdateReservationV1`).
    func updateReservation(_ request: UpdateReservationRequest, context: RequestContext) async throws -> Reservation
    /// Deletes (cancels) a reservation (`DeleteReservationByIdV1`).
    func deleteReservation(_ request: DeleteReservationByIDRequest, context: RequestContext) async throws
    /// Returns one reservation (`GetReservationByIdV1`); throws `notFound` when it is gone.
    func getReservation(_ request: GetReservationByIDRequest, context: RequestContext) async throws -> Reservation
    /// Returns a page of reservations (`SearchReservationsV1`).
    func searchReservations(
        _ request: SearchReservationsRequest,
        context: RequestContext
    ) async throws -> Page<Reservation>

    /// Seats a party (`CreatePartyV1`) and returns it with the POS's id and a non-empty status.
    func createParty(_ request: CreatePartyRequest, context: RequestContext) async throws -> Party
    /// Replaces a party's details (`UpdatePartyV1`), keeping its reservation link.
    func updateParty(_ request: UpdatePartyRequest, context: RequestContext) async throws -> Party
    /// Deletes a party (`DeletePartyByIdV1`).
    func deleteParty(_ request: DeletePartyByIDRequest, context: RequestContext) async throws
    /// Returns one party (`GetPartyByIdV1`); throws `notFound` when it is gone.
    func getParty(_ request: GetPartyByIDRequest, context: RequestContext) async throws -> Party
    /// Returns a page of parties (`SearchPartiesV1`): current ones, or only completed ones when asked.
    func searchParties(_ request: SearchPartiesRequest, context: RequestContext) async throws -> Page<Party>

    /// Returns a page of tables (`SearchTablesV1`).
    func searchTables(_ request: SearchTablesRequest, context: RequestContext) async throws -> Page<Table>
    /// Returns every area (`ListAreasV1`).
    func listAreas(_ request: ListAreasRequest, context: RequestContext) async throws -> [Area]

    /// Returns one order (`GetOrderByIdV1`); throws `notFound` when it is gone.
    func getOrder(_ request: GetOrderByIDRequest, context: RequestContext) async throws -> Order
    /// Returns a page of orders (`SearchOrdersV1`).
    func searchOrders(_ request: SearchOrdersRequest, context: RequestContext) async throws -> Page<Order>

    /// Handles a Dojo event (`HandleEventV1`); must de-duplicate on the event id (delivery is at least once).
    func handleEvent(_ request: HandleEventRequest, context: RequestContext) async throws
}
