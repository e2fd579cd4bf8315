import DojoAdapter
import DojoProtocol
import DojoSimulator
import Synchronization

/// One request `dojo-sim check` sent through the agent, and what came back.
struct RelayedExchange: Sendable {
    /// The conformance check (or timing check) that sent it.
    var check: String
    /// The request frame as sent.
    var request: String
    /// The answer frame, or why there was none.
    var answer: String
}

/// The requests relayed so far, tagged with the check that was running.
final class RelayLog: Sendable {
    private let state = Mutex<(check: String, exchanges: [RelayedExchange])>(("", []))

    /// Tags what follows with `check`.
    func begin(_ check: String) {
        state.withLock { $0.check = check }
    }

    func append(request: String, answer: String) {
        state.withLock { $0.exchanges.append(RelayedExchange(check: $0.check, request: request, answer: answer)) }
    }

    /// The last request `check` sent.
    func last(of check: String) -> RelayedExchange? {
        state.withLock { $0.exchanges.last { $0.check == check } }
    }
}

/// The agent answered with something that is not the method's result.
struct RelayFailure: Error, CustomStringConvertible {
    var description: String
}

/// A `POSAdapter` that is the vendor's process adapter seen from Dojo: every call is sent by the simulator to
/// the real `dojo-agent`, which hands it to the adapter process; the answer comes back the same way. Running
/// the conformance suite against it checks the adapter and its protocol handling in one go.
struct RelayAdapter: POSAdapter {
    let simulator: DojoSimulator
    /// What the agent registered with the simulator.
    let capabilities: Set<Capability>
    let log: RelayLog

    private func send(_ request: DojoRequest) async throws -> DojoResult {
        let exchange: Exchange
        do {
            exchange = try await simulator.exchange(request)
        } catch {
            log.append(request: request.requestFrame(id: RequestID("(not sent)")), answer: "no answer: \(error)")
            throw RelayFailure(description: "no answer through the agent: \(error)")
        }
        guard let response = exchange.response else {
            log.append(request: exchange.frame, answer: "no answer")
            throw RelayFailure(description: "no answer through the agent")
        }
        log.append(request: exchange.frame, answer: response.encoded())
        switch response.outcome {
        case .error(let error):
            throw error
        case .result(let json):
            do {
                return try DojoResult(json: json, for: request.method)
            } catch {
                throw RelayFailure(description: "the result is not a \(request.method.wireName) result: \(error)")
            }
        }
    }

    private func shape(_ method: DojoMethod) -> RelayFailure {
        RelayFailure(description: "the answer to \(method.wireName) has the wrong shape")
    }

    func createReservation(_ request: CreateReservationRequest, context: RequestContext) async throws -> Reservation {
        guard case .reservation(let value) = try await send(.createReservation(request)) else {
            throw shape(.createReservation)
        }
        return value
    }

    func updateReservation(_ request: UpdateReservationRequest, context: RequestContext) async throws -> Reservation {
        guard case .reservation(let value) = try await send(.updateReservation(request)) else {
            throw shape(.updateReservation)
        }
        return value
    }

    func deleteReservation(_ request: DeleteReservationByIDRequest, context: RequestContext) async throws {
        _ = try await send(.deleteReservation(request))
    }

    func getReservation(_ request: GetReservationByIDRequest, context: RequestContext) async throws -> Reservation {
        guard case .reservation(let value) = try await send(.getReservation(request)) else {
            throw shape(.getReservation)
        }
        return value
    }

    func searchReservations(
        _ request: SearchReservationsRequest,
        context: RequestContext
    ) async throws -> Page<Reservation> {
        guard case .reservations(let value) = try await send(.searchReservations(request)) else {
            throw shape(.searchReservations)
        }
        return value
    }

    func createParty(_ request: CreatePartyRequest, context: RequestContext) async throws -> Party {
        guard case .party(let value) = try await send(.createParty(request)) else { throw shape(.createParty) }
        return value
    }

    func updateParty(_ request: UpdatePartyRequest, context: RequestContext) async throws -> Party {
        guard case .party(let value) = try await send(.updateParty(request)) else { throw shape(.updateParty) }
        return value
    }

    func deleteParty(_ request: DeletePartyByIDRequest, context: RequestContext) async throws {
        _ = try await send(.deleteParty(request))
    }

    func getParty(_ request: GetPartyByIDRequest, context: RequestContext) async throws -> Party {
        guard case .party(let value) = try await send(.getParty(request)) else { throw shape(.getParty) }
        return value
    }

    func searchParties(_ request: SearchPartiesRequest, context: RequestContext) async throws -> Page<Party> {
        guard case .parties(let value) = try await send(.searchParties(request)) else {
            throw shape(.searchParties)
        }
        return value
    }

    func searchTables(_ request: SearchTablesRequest, context: RequestContext) async throws -> Page<Table> {
        guard case .tables(let value) = try await send(.searchTables(request)) else { throw shape(.searchTables) }
        return value
    }

    func listAreas(_ request: ListAreasRequest, context: RequestContext) async throws -> [Area] {
        guard case .areas(let value) = try await send(.listAreas(request)) else { throw shape(.listAreas) }
        return value
    }

    func getOrder(_ request: GetOrderByIDRequest, context: RequestContext) async throws -> Order {
        guard case .order(let value) = try await send(.getOrder(request)) else { throw shape(.getOrder) }
        return value
    }

    func searchOrders(_ request: SearchOrdersRequest, context: RequestContext) async throws -> Page<Order> {
        guard case .orders(let value) = try await send(.searchOrders(request)) else { throw shape(.searchOrders) }
        return value
    }

    func handleEvent(_ request: HandleEventRequest, context: RequestContext) async throws {
        _ = try await send(.handleEvent(request))
    }
}
