import DojoProtocol
import DojoSimulator
import Foundation

/// One timing check's outcome, attributed to the capability it exercises.
struct TimingCheckResult: Sendable {
    var capability: Capability
    var name: String
    var failure: CheckFailure?
}

/// What vendors cannot easily test alone: requests the moment the agent's socket (re)opens, several requests for
/// one entity back to back, and a create repeated before the first answer (vendor guide §2 rules 3 and 8).
struct TimingChecks {
    let simulator: DojoSimulator
    let agent: AgentProcess
    let declared: Set<Capability>
    let tableIDs: [String]
    let runID = String(UUID().uuidString.lowercased().prefix(8))

    /// Runs every check the declared capabilities allow; the reasons for those they do not, once each.
    func run() async -> (results: [TimingCheckResult], notes: [String]) {
        var results: [TimingCheckResult] = []
        var notes: [String] = []
        let canBook = declared.contains(.createReservation) && !tableIDs.isEmpty
        if canBook {
            results.append(await repeatedCreate())
            if declared.contains(.updateReservation) { results.append(await backToBack()) }
        } else if declared.contains(.createReservation) {
            notes.append("no table id is known: the repeated-create and back-to-back checks did not run")
        }
        if let restart = await restartReadiness(canBook: canBook) { results.append(restart) }
        return (results, notes)
    }

    private func reservation(
        _ suffix: String,
        name: String = "Timing Check",
        covers: Int = 2
    )
        -> CreateReservationRequest
    {
        let start = Int64(Date().timeIntervalSince1970 * 1000) / 60_000 * 60_000 + 86_400_000
        return CreateReservationRequest(
            dojoReservationID: "dojo-check-\(runID)-\(suffix)",
            name: name,
            covers: covers,
            startTime: Timestamp(millisecondsSince1970: start),
            endTime: Timestamp(millisecondsSince1970: start + 5_400_000),
            tableIDs: [tableIDs[0]]
        )
    }

    private func failure(_ name: String, _ reason: String, _ exchanges: [Exchange]) -> CheckFailure {
        CheckFailure(
            source: name,
            reason: reason,
            request: exchanges.map(\.frame).joined(separator: "\n"),
            answer: exchanges.map { $0.response?.encoded() ?? "no answer" }.joined(separator: "\n"),
            rule: VendorRule.forCheck(name)
        )
    }

    private static func result(_ exchange: Exchange) -> JSONValue? {
        if case .result(let value) = exchange.response?.outcome { return value }
        return nil
    }

    /// Runs `body` as the check `name` of `capability`: it returns the failure, or nil when the check passed;
    /// what it throws (no answer, a lost connection) is a failure too.
    private func check(
        _ capability: Capability,
        _ name: String,
        _ body: () async throws -> CheckFailure?
    ) async -> TimingCheckResult {
        let failure: CheckFailure?
        do {
            failure = try await body()
        } catch {
            failure = CheckFailure(source: name, reason: "\(error)", rule: VendorRule.forCheck(name))
        }
        return TimingCheckResult(capability: capability, name: name, failure: failure)
    }

    /// The same `CreateReservationV1` twice, back to back: one reservation, both answers with its id.
    private func repeatedCreate() async -> TimingCheckResult {
        let name = "CreateReservationV1 repeated create back to back answers one reservation"
        return await check(.createReservation, name) {
            let create = DojoRequest.createReservation(reservation("repeat"))
            let exchanges = try await simulator.exchangeConcurrently([create, create]).map { try $0.get() }
            let ids = exchanges.map { Self.result($0)?["id"]?.stringValue }
            guard let first = ids[0], ids[1] == first else {
                return failure(name, "expected both answers to carry one id, got \(ids)", exchanges)
            }
            return nil
        }
    }

    /// Three updates of one reservation back to back (and a get): answered in order, the last one wins.
    private func backToBack() async -> TimingCheckResult {
        let name = "UpdateReservationV1 back to back for one reservation: answered in order, the last one wins"
        return await check(.updateReservation, name) {
            let made = reservation("order")
            let created = try await simulator.exchange(.createReservation(made))
            guard let id = Self.result(created)?["id"]?.stringValue else {
                return failure(name, "the create before the updates was not answered with an id", [created])
            }
            var requests = (1...3).map { number in
                DojoRequest.updateReservation(
                    UpdateReservationRequest(
                        id: id,
                        dojoReservationID: made.dojoReservationID,
                        name: "Back to back \(number)",
                        covers: number + 1,
                        startTime: made.startTime,
                        endTime: made.endTime,
                        tableIDs: made.tableIDs
                    )
                )
            }
            if declared.contains(.getReservationByID) {
                requests.append(.getReservation(GetReservationByIDRequest(reservationID: id)))
            }
            let exchanges = try await simulator.exchangeConcurrently(requests).map { try $0.get() }
            let names = exchanges.map { Self.result($0)?["name"]?.stringValue ?? "(no result)" }
            var expected = ["Back to back 1", "Back to back 2", "Back to back 3"]
            if requests.count == 4 { expected.append("Back to back 3") }
            guard names == expected else {
                return failure(name, "expected the answers' names \(expected), got \(names)", exchanges)
            }
            return nil
        }
    }

    /// Restarts the agent (and so the adapter) and sends a request the moment the new session opens: it must be
    /// served, not refused as not implemented because the adapter was still starting.
    private func restartReadiness(canBook: Bool) async -> TimingCheckResult? {
        let probe: (Capability, DojoRequest)
        if canBook {
            probe = (.createReservation, .createReservation(reservation("restart")))
        } else if declared.contains(.searchTables) {
            probe = (.searchTables, .searchTables(SearchTablesRequest(cursor: Cursor(limit: 1))))
        } else if declared.contains(.listAreas) {
            probe = (.listAreas, .listAreas(ListAreasRequest()))
        } else if declared.contains(.searchReservations) {
            probe = (.searchReservations, .searchReservations(SearchReservationsRequest(cursor: Cursor(limit: 1))))
        } else if declared.contains(.searchParties) {
            probe = (.searchParties, .searchParties(SearchPartiesRequest(cursor: Cursor(limit: 1))))
        } else if declared.contains(.searchOrders) {
            probe = (.searchOrders, .searchOrders(SearchOrdersRequest(cursor: Cursor(limit: 1))))
        } else {
            return nil
        }
        let (capability, request) = probe
        let name = "\(request.method.wireName) sent the moment the socket opens after a restart is served"
        return await check(capability, name) {
            let before = simulator.currentSession
            try await agent.restart(grace: .seconds(10))
            try await simulator.awaitSession(after: before, timeout: .seconds(60))
            let exchange = try await simulator.exchange(request)
            // The scenarios that follow need the registration of the new session.
            _ = try? await simulator.awaitRegistration(from: simulator.registrations.count - 1, timeout: .seconds(30))
            guard Self.result(exchange) != nil else {
                return failure(name, "the first request after the restart was refused", [exchange])
            }
            return nil
        }
    }
}
