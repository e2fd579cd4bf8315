public import DojoProtocol

extension POSAdapter {
    /// Serves one decoded request: refuses it if the adapter does not declare the capability it needs,
    /// otherwise calls the matching method and wraps its answer as a ``DojoResult``.
    ///
    /// This is the single routing point used by the agent's dispatcher and by an out-of-process adapter host,
    /// so both refuse and route identically.
    ///
    /// - Throws: ``AdapterError/notImplemented(_:)`` for an undeclared capability (the adapter is not called),
    ///   or whatever the adapter throws. Map the error with ``DojoProtocol/DojoError/from(_:)``.
    public func respond(to request: DojoRequest, context: RequestContext) async throws -> DojoResult {
        guard let capability = request.requiredCapability, capabilities.contains(capability) else {
            throw AdapterError.notImplemented(for: request)
        }
        switch request {
        case .createReservation(let request):
            return .reservation(try await createReservation(request, context: context))
        case .getReservation(let request): return .reservation(try await getReservation(request, context: context))
        case .updateReservation(let request):
            return .reservation(try await updateReservation(request, context: context))
        case .deleteReservation(let request):
            try await deleteReservation(request, context: context)
            return .empty
        case .searchReservations(let request):
            return .reservations(try await searchReservations(request, context: context))
        case .createParty(let request): return .party(try await createParty(request, context: context))
        case .getParty(let request): return .party(try await getParty(request, context: context))
        case .updateParty(let request): return .party(try await updateParty(request, context: context))
        case .deleteParty(let request):
            try await deleteParty(request, context: context)
            return .empty
        case .searchParties(let request): return .parties(try await searchParties(request, context: context))
        case .searchTables(let request): return .tables(try await searchTables(request, context: context))
        case .listAreas(let request): return .areas(try await listAreas(request, context: context))
        case .getOrder(let request): return .order(try await getOrder(request, context: context))
        case .searchOrders(let request): return .orders(try await searchOrders(request, context: context))
        case .handleEvent(let request):
            try await handleEvent(request, context: context)
            return .empty
        }
    }
}
