public import DojoProtocol

// Every method defaults to "not implemented", so an adapter writes only the capabilities it declares.
extension POSAdapter {
    /// Ready at once: an adapter that can be called as soon as it exists.
    public func waitUntilReady() async throws {}

    /// ``POSAdapter/capabilities``, once: an embedded adapter's set does not change while it runs.
    public func capabilityUpdates() -> AsyncStream<Set<Capability>> {
        AsyncStream { continuation in
            continuation.yield(self.capabilities)
            continuation.finish()
        }
    }

    /// An embedded adapter, named by its type, always ready.
    public var adapterStatus: AdapterStatus {
        AdapterStatus(kind: .embedded, name: "\(type(of: self))")
    }

    /// Nothing to run: returns at once.
    public func runAlongsideAgent() async throws {}

    /// Nothing to watch.
    public var livenessProbe: (@Sendable (_ answer: @escaping @Sendable () -> Void) -> Void)? { nil }

    /// Throws ``AdapterError/notImplemented(_:)``.
    public func createReservation(
        _ request: CreateReservationRequest,
        context: RequestContext
    ) async throws -> Reservation {
        throw AdapterError.notImplemented(.createReservation)
    }

    /// Throws ``AdapterError/notImplemented(_:)``.
    public func updateReservation(
        _ request: UpdateReservationRequest,
        context: RequestContext
    ) async throws -> Reservation {
        throw AdapterError.notImplemented(.updateReservation)
    }

    /// Throws ``AdapterError/notImplemented(_:)``.
    public func deleteReservation(_ request: DeleteReservationByIDRequest, context: RequestContext) async throws {
        throw AdapterError.notImplemented(.deleteReservation)
    }

    /// Throws ``AdapterError/notImplemented(_:)``.
    public func getReservation(
        _ request: GetReservationByIDRequest,
        context: RequestContext
    ) async throws -> Reservation {
        throw AdapterError.notImplemented(.getReservation)
    }

    /// Throws ``AdapterError/notImplemented(_:)``.
    public func searchReservations(
        _ request: SearchReservationsRequest,
        context: RequestContext
    ) async throws -> Page<Reservation> {
        throw AdapterError.notImplemented(.searchReservations)
    }

    /// Throws ``AdapterError/notImplemented(_:)``.
    public func createParty(_ request: CreatePartyRequest, context: RequestContext) async throws -> Party {
        throw AdapterError.notImplemented(.createParty)
    }

    /// Throws ``AdapterError/notImplemented(_:)``.
    public func updateParty(_ request: UpdatePartyRequest, context: RequestContext) async throws -> Party {
        throw AdapterError.notImplemented(.updateParty)
    }

    /// Throws ``AdapterError/notImplemented(_:)``.
    public func deleteParty(_ request: DeletePartyByIDRequest, context: RequestContext) async throws {
        throw AdapterError.notImplemented(.deleteParty)
    }

    /// Throws ``AdapterError/notImplemented(_:)``.
    public func getParty(_ request: GetPartyByIDRequest, context: RequestContext) async throws -> Party {
        throw AdapterError.notImplemented(.getParty)
    }

    /// Throws ``AdapterError/notImplemented(_:)``.
    public func searchParties(_ request: SearchPartiesRequest, context: RequestContext) async throws -> Page<Party> {
        throw AdapterError.notImplemented(.searchParties)
    }

    /// Throws ``AdapterError/notImplemented(_:)``.
    public func searchTables(_ request: SearchTablesRequest, context: RequestContext) async throws -> Page<Table> {
        throw AdapterError.notImplemented(.searchTables)
    }

    /// Throws ``AdapterError/notImplemented(_:)``.
    public func listAreas(_ request: ListAreasRequest, context: RequestContext) async throws -> [Area] {
        throw AdapterError.notImplemented(.listAreas)
    }

    /// Throws ``AdapterError/notImplemented(_:)``.
    public func getOrder(_ request: GetOrderByIDRequest, context: RequestContext) async throws -> Order {
        throw AdapterError.notImplemented(.getOrder)
    }

    /// Throws ``AdapterError/notImplemented(_:)``.
    public func searchOrders(_ request: SearchOrdersRequest, context: RequestContext) async throws -> Page<Order> {
        throw AdapterError.notImplemented(.searchOrders)
    }

    /// Throws ``AdapterError/notImplemented(_:)``.
    public func handleEvent(_ request: HandleEventRequest, context: RequestContext) async throws {
        throw AdapterError.notImplemented(.handleEvent)
    }
}
