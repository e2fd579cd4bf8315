import DojoAdapter
import DojoProtocol
import DojoSimulator
import Foundation
import Logging
import ReferencePOS
import Testing
import Transport

private let today = try! Timestamp(iso8601: "2024-08-12T09:30:00.000Z")
private let later = try! Timestamp(iso8601: "2024-08-12T11:00:00.000Z")

private func createReservation(_ dojoID: String, table: String = "t1", name: String = "Martin B.") -> DojoRequest {
    .createReservation(
        CreateReservationRequest(
            dojoReservationID: dojoID,
            name: name,
            covers: 4,
            startTime: today,
            endTime: later,
            tableIDs: [table]
        )
    )
}

private func result(_ response: ResponseFrame?) throws -> JSONValue {
    guard case .result(let json)? = response?.outcome else {
        throw SimulatorError(.invalidInput, "expected a result, got \(String(describing: response))")
    }
    return json
}

/// The simulator against a stand-in agent (the real libwebsockets client and an in-memory POS).
@Suite(.timeLimit(.minutes(1)))
struct SimulatorTests {
    // MARK: - Handshake

    @Test func acceptsTheAgentWithTheRawKeyAndSoftwareHouseID() async throws {
        try await DojoSimulator.withSimulator(configuration: .testing) { simulator in
            try await StandInAgent.with(simulator) { _ in
                let session = try await simulator.awaitSession()
                #expect(session.number == 1)
                #expect(session.handshake.path == "/epos")
                let record = try #require(simulator.handshakes.all.first)
                #expect(record.outcome == .accepted)
                #expect(record.authorizationMatched)
                #expect(record.softwareHouseID == "dojo-sim")
                #expect(simulator.failures.all.isEmpty)
            }
        }
    }

    @Test(arguments: [
        (
            StandInAgent.Options(apiKey: "sk_sandbox_wrong"), 401,
            "the API key does not match the simulator's key"
        ),
        (
            StandInAgent.Options(apiKey: Data("sk_sandbox_dojo_sim".utf8).base64EncodedString()), 401,
            "the API key is base64-encoded; Dojo wants the raw key after `Basic `"
        ),
        (
            StandInAgent.Options(softwareHouseID: "someone-else"), 401,
            "software-house-id is \"someone-else\", expected \"dojo-sim\""
        ),
        (StandInAgent.Options(path: "/ws"), 404, "no WebSocket endpoint at /ws; Dojo's EPOS Data endpoint is /epos"),
    ])
    func refusesBadHandshakesAndSaysWhy(options: StandInAgent.Options, status: Int, reason: String) async throws {
        try await DojoSimulator.withSimulator(configuration: .testing) { simulator in
            try await StandInAgent.with(simulator, options: options) { agent in
                guard case .failure(let error)? = await agent.attempts.next() else {
                    Issue.record("the stand-in connected with bad credentials")
                    return
                }
                #expect(error.httpStatus == status)
                #expect(error.isAuthRejection == (status == 401))
                let record = try await simulator.awaitHandshake()
                #expect(record.outcome == .rejected(status: status, reason: reason))
                // The stand-in keeps retrying; every attempt is refused for the same reason.
                let messages = Set(simulator.failures.all.map(\.message))
                #expect(messages == ["handshake refused with \(status): \(reason)"])
                #expect(simulator.sessions.count == 0)
            }
        }
    }

    // MARK: - Calls

    @Test func callsCarryDojoFramesAndReturnTheAgentsAnswers() async throws {
        let pos = InMemoryPOS()
        try await DojoSimulator.withSimulator(configuration: .testing) { simulator in
            try await StandInAgent.with(simulator, adapter: pos) { _ in
                let created = try result(try await simulator.call(createReservation("dojo-res-1")))
                #expect(created["id"] == "r-1")
                #expect(created["name"] == "Martin B.")
                #expect(created["startTime"] == "2024-08-12T09:30:00.000Z")
                let missing = try await simulator.call(
                    .getReservation(GetReservationByIDRequest(reservationID: "nope"))
                )
                #expect(missing.outcome == .error(DojoError(errorType: .notFound, debugMessage: "no reservation nope")))
                #expect(missing.method == "GetReservationByIdV1")
                #expect(simulator.failures.all.isEmpty)
            }
        }
    }

    @Test func manyConcurrentCallsOnOneSocketAreMatchedById() async throws {
        let pos = InMemoryPOS()
        try await DojoSimulator.withSimulator(configuration: .testing) { simulator in
            try await StandInAgent.with(simulator, adapter: pos) { _ in
                try await simulator.awaitSession()
                let names = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                    for index in 0..<40 {
                        group.addTask {
                            let response = try await simulator.call(
                                createReservation("dojo-\(index)", name: "Guest \(index)")
                            )
                            return (index, try result(response)["name"]?.stringValue)
                        }
                    }
                    var names: [Int: String] = [:]
                    for try await (index, name) in group { names[index] = name }
                    return names
                }
                #expect(names.count == 40)
                #expect(names.allSatisfy { $0.value == "Guest \($0.key)" })
                #expect(pos.createCount == 40)
                #expect(simulator.sessions.count == 1)
                #expect(simulator.failures.all.isEmpty)
            }
        }
    }

    @Test func requestsFiredTogetherGoOutInOrderAndAllAreAnswered() async throws {
        let pos = InMemoryPOS()
        try await DojoSimulator.withSimulator(configuration: .testing) { simulator in
            try await StandInAgent.with(simulator, adapter: pos) { _ in
                let party = try result(
                    try await simulator.call(
                        .createParty(CreatePartyRequest(dojoPartyID: "dp-1", startTime: today, tableIDs: ["t2"]))
                    )
                )
                let id = try #require(party["id"]?.stringValue)
                let updates = (1...5).map { covers in
                    DojoRequest.updateParty(
                        UpdatePartyRequest(
                            id: id,
                            dojoPartyID: "dp-1",
                            startTime: today,
                            status: "Seated",
                            tableIDs: ["t2"],
                            covers: covers
                        )
                    )
                }
                let results = try await simulator.exchangeConcurrently(updates)
                let covers = try results.map { try result(try $0.get().response)["covers"] }
                #expect(covers == [1, 2, 3, 4, 5])
                #expect(pos.party(id)?.covers == 5)
            }
        }
    }

    // MARK: - Loud about the unexpected

    @Test func aResponseWithAnUnknownIdIsAFailureAndTheCallTimesOut() async throws {
        try await DojoSimulator.withSimulator(configuration: .testing) { simulator in
            try await StandInAgent.with(simulator, options: .init(quirk: .unknownID)) { _ in
                // Connected first, so the short timeout below is the answer's, not the connection's.
                try await simulator.awaitSession()
                var options = CallOptions()
                options.timeout = .milliseconds(300)
                options.id = RequestID("req-1")
                await #expect(throws: SimulatorError.self) {
                    try await simulator.exchange(.listAreas(ListAreasRequest()), options: options)
                }
                let failure = try await simulator.failures.first { _ in true }.element
                #expect(
                    failure
                        == SimulatorFailure(
                            session: 1,
                            message: "response with unknown id not-req-1 (never sent on this session)"
                        )
                )
            }
        }
    }

    @Test func aResponseWithoutTheMethodEchoIsAFailure() async throws {
        try await DojoSimulator.withSimulator(configuration: .testing) { simulator in
            try await StandInAgent.with(simulator, options: .init(quirk: .noMethodEcho)) { _ in
                var options = CallOptions()
                options.id = RequestID("req-2")
                let exchange = try await simulator.exchange(.listAreas(ListAreasRequest()), options: options)
                #expect(exchange.response?.method == nil)
                #expect(
                    simulator.failures.all == [
                        SimulatorFailure(
                            session: 1,
                            message:
                                "response req-2 echoes no method; Dojo's schema requires \"method\": \"ListAreasV1\""
                        )
                    ]
                )
            }
        }
    }

    @Test func answeringTwiceIsAFailure() async throws {
        try await DojoSimulator.withSimulator(configuration: .testing) { simulator in
            try await StandInAgent.with(simulator, options: .init(quirk: .answerTwice)) { _ in
                var options = CallOptions()
                options.id = RequestID("req-3")
                _ = try await simulator.exchange(.listAreas(ListAreasRequest()), options: options)
                let failure = try await simulator.failures.first { _ in true }.element
                #expect(failure.message == "the agent answered req-3 more than once")
            }
        }
    }

    @Test func aRequestFromTheAgentIsAFailure() async throws {
        try await DojoSimulator.withSimulator(configuration: .testing) { simulator in
            try await StandInAgent.with(simulator, options: .init(quirk: .sendRequest)) { _ in
                let failure = try await simulator.failures.first { _ in true }.element
                #expect(
                    failure.message == "the agent sent a request (ListAreasV1); Dojo only sends requests on this socket"
                )
            }
        }
    }

    // MARK: - REST

    /// A client that dies mid-POST (a chaos run's power cut) is not reported as a protocol failure: its body
    /// never arrived, and it is not "larger than 1 MiB", which the simulator used to say of every unreadable body.
    @Test func aPostAbandonedBeforeItsBodyIsLoggedNotFailed() async throws {
        let logs = AsyncQueue<String>()
        var configuration = DojoSimulator.Configuration.testing
        configuration.logger = Logger(label: "dojo.sim") { _ in MessageQueueLogHandler(messages: logs) }
        try await DojoSimulator.withSimulator(configuration: configuration) { simulator in
            for path in ["/epos/events", "/epos/integrations/ws"] {
                try HTTPTestClient.abandon(
                    path == "/epos/events" ? "POST" : "PUT",
                    port: simulator.port,
                    path: path,
                    headers: HTTPTestClient.agentHeaders(),
                    declaredLength: 100,
                    partialBody: #"{"eventType":"#
                )
                let logged = try await withDeadline(.seconds(30), waitingFor: "the abandoned request's log line") {
                    while let message = await logs.next() {
                        if message == "request abandoned before its body arrived" { return message }
                    }
                    throw SimulatorError.timedOut("the log", after: .zero)
                }
                #expect(logged == "request abandoned before its body arrived")
            }
            #expect(simulator.failures.all.isEmpty, "\(simulator.failures.all)")
            #expect(simulator.events.all.isEmpty)
        }
    }

    @Test func anEventIsValidatedEchoedAndTheEntityFetchedBack() async throws {
        let pos = InMemoryPOS()
        try await DojoSimulator.withSimulator(configuration: .testing) { simulator in
            try await StandInAgent.with(simulator, adapter: pos) { _ in
                let party = try result(
                    try await simulator.call(
                        .createParty(CreatePartyRequest(dojoPartyID: "dp-9", startTime: today, tableIDs: ["t3"]))
                    )
                )
                let id = try #require(party["id"]?.stringValue)
                let body = #"{"eventType":"PartyUpdated","event":{"partyId":"\#(id)"}}"#
                let response = try await HTTPTestClient.send(
                    "POST",
                    port: simulator.port,
                    path: "/epos/events",
                    headers: HTTPTestClient.agentHeaders(),
                    body: body
                )
                #expect(response.status == 200)
                #expect(response.body == body)
                let event = try PosEvent(type: .partyUpdated, entityID: id)
                let fetched = try await simulator.awaitFetch(of: event)
                #expect(fetched.method == .getParty)
                #expect(fetched.outcome == .entity(.party(try #require(pos.party(id)))))

                _ = try await simulator.call(.deleteParty(DeletePartyByIDRequest(partyID: id)))
                let again = try await HTTPTestClient.send(
                    "POST",
                    port: simulator.port,
                    path: "/epos/events",
                    headers: HTTPTestClient.agentHeaders(),
                    body: body
                )
                #expect(again.status == 200)
                let second = try await simulator.awaitFetch(of: event, from: 1)
                #expect(second.outcome == .deleted)
                #expect(simulator.events.all.map(\.status) == [200, 200])
                #expect(simulator.failures.all.isEmpty)
            }
        }
    }

    @Test(arguments: [
        (
            #"{"eventType":"TableUpdated","event":{"tableId":"t1"}}"#, HTTPTestClient.agentHeaders(), 400,
            "body.eventType: unknown POS event type \"TableUpdated\"; expected one of OrderUpdated, PartyUpdated, ReservationUpdated"
        ),
        (
            #"{"eventType":"PartyUpdated","event":{"reservationId":"r1"}}"#, HTTPTestClient.agentHeaders(), 400,
            "body.event.partyId: required field is missing"
        ),
        (
            #"{"eventType":"PartyUpdated","event":{"partyId":"p1","orderId":"o1"}}"#, HTTPTestClient.agentHeaders(),
            400,
            "body.event: unexpected members for PartyUpdated: orderId"
        ),
        (
            #"{"eventType":"PartyUpdated","event":{"partyId":"p1"},"id":"x"}"#, HTTPTestClient.agentHeaders(), 400,
            "body: unexpected members: id"
        ),
        (
            #"{"eventType":"PartyUpdated","event":{"partyId":"p1"}}"#, HTTPTestClient.agentHeaders(apiKey: "other"),
            401,
            "the API key does not match the simulator's key"
        ),
        (
            #"{"eventType":"PartyUpdated","event":{"partyId":"p1"}}"#,
            HTTPTestClient.agentHeaders(version: "2020-01-01"),
            400, "version is \"2020-01-01\", expected \"2026-02-27\""
        ),
        (
            #"{"eventType":"PartyUpdated","event":{"partyId":"p1"}}"#,
            [
                ("Authorization", "Basic sk_sandbox_dojo_sim"), ("software-house-id", "dojo-sim"),
                ("version", "2026-02-27"),
            ],
            415, "Content-Type is \"\", expected application/json"
        ),
    ])
    func invalidEventsAreRefusedAndRecorded(
        body: String,
        headers: [(String, String)],
        status: Int,
        problem: String
    )
        async throws
    {
        try await DojoSimulator.withSimulator(configuration: .testing) { simulator in
            let response = try await HTTPTestClient.send(
                "POST",
                port: simulator.port,
                path: "/epos/events",
                headers: headers,
                body: body
            )
            #expect(response.status == status)
            #expect(response.body.contains(problem.replacingOccurrences(of: "\"", with: "\\\"")))
            let recorded = try #require(simulator.events.all.first)
            #expect(recorded.problem == problem)
            #expect(recorded.event == nil)
            #expect(simulator.failures.all.map(\.message) == ["POST /epos/events refused with \(status): \(problem)"])
        }
    }

    @Test func injectedEventAnswersComeInOrderThenTwoHundred() async throws {
        var configuration = DojoSimulator.Configuration.testing
        configuration.fetchAfterEvents = false
        try await DojoSimulator.withSimulator(configuration: configuration) { simulator in
            simulator.respondToNextEvents([
                EventResponse(status: 500), EventResponse(status: 429, retryAfter: 3), .init(status: 400),
            ])
            let body = #"{"eventType":"OrderUpdated","event":{"orderId":"o-1"}}"#
            var statuses: [Int] = []
            var retryAfter: [String?] = []
            for _ in 0..<4 {
                let response = try await HTTPTestClient.send(
                    "POST",
                    port: simulator.port,
                    path: "/epos/events",
                    headers: HTTPTestClient.agentHeaders(),
                    body: body
                )
                statuses.append(response.status)
                retryAfter.append(response.headers["retry-after"])
            }
            #expect(statuses == [500, 429, 400, 200])
            #expect(retryAfter == [nil, "3", nil, nil])
            #expect(simulator.events.all.map(\.injected) == [true, true, true, false])
            #expect(simulator.failures.all.isEmpty)
        }
    }

    @Test func registrationIsRecordedAndAnsweredWithTheSet() async throws {
        try await DojoSimulator.withSimulator(configuration: .testing) { simulator in
            let body = CapabilityRegistration([.createReservation, .getPartyByID]).body
            let response = try await HTTPTestClient.send(
                "PUT",
                port: simulator.port,
                path: "/epos/integrations/ws",
                headers: HTTPTestClient.agentHeaders(),
                body: body
            )
            #expect(response.status == 200)
            let answer = try JSONValue(parsing: response.body)
            let names = answer.arrayValue?.first?["capabilities"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
            #expect(names == ["CreateReservation", "GetPartyById"])
            #expect(simulator.registeredCapabilities == [.createReservation, .getPartyByID])
        }
    }

    // MARK: - Faults

    @Test func aRejectedHandshakeIsFollowedByTheAgentsRetry() async throws {
        try await DojoSimulator.withSimulator(configuration: .testing) { simulator in
            try await StandInAgent.with(simulator) { agent in
                let first = try await simulator.awaitSession()
                simulator.rejectNextHandshake(status: 503)
                await simulator.dropConnection()
                let second = try await simulator.awaitSession(after: first)
                #expect(second.number == 2)
                #expect(agent.connectErrors.map(\.httpStatus) == [503])
                let outcomes = simulator.handshakes.all.map(\.outcome)
                #expect(outcomes == [.accepted, .rejected(status: 503, reason: "injected fault"), .accepted])
                #expect(simulator.failures.all.isEmpty)
            }
        }
    }

    @Test func droppingMidRequestLeavesItUnansweredAndTheAgentReconnects() async throws {
        let pos = InMemoryPOS()
        try await DojoSimulator.withSimulator(configuration: .testing) { simulator in
            try await StandInAgent.with(simulator, adapter: pos) { _ in
                let first = try await simulator.awaitSession()
                var options = CallOptions()
                options.dropAfterSending = true
                let dropped = try await simulator.exchange(createReservation("dojo-drop"), options: options)
                #expect(dropped.responses.isEmpty)
                #expect(!first.isOpen)
                try await simulator.awaitSession(after: first)
                // Dojo retries with the same Dojo id; the POS's idempotent create makes it one reservation.
                let retried = try result(try await simulator.call(createReservation("dojo-drop")))
                #expect(retried["name"] == "Martin B.")
                #expect(pos.createCount == 1)
            }
        }
    }

    @Test func aServerThatStopsAnsweringPingsIsAbandonedByTheClient() async throws {
        var options = StandInAgent.Options()
        options.pingInterval = .milliseconds(500)
        options.pongTimeout = .seconds(5)  // generous: a loaded CI machine can delay a pong
        try await DojoSimulator.withSimulator(configuration: .testing) { simulator in
            try await StandInAgent.with(simulator, options: options) { _ in
                let first = try await simulator.awaitSession()
                simulator.stopAnsweringPings()
                let second = try await simulator.awaitSession(after: first, timeout: .seconds(30))
                #expect(second.number == 2)
                await first.awaitEnd()
                #expect(!first.isOpen)
            }
        }
    }

    @Test func aDuplicatedIdIsSentTwiceAndBothAnswersAreCollected() async throws {
        let pos = InMemoryPOS()
        try await DojoSimulator.withSimulator(configuration: .testing) { simulator in
            try await StandInAgent.with(simulator, adapter: pos) { _ in
                var options = CallOptions()
                options.copies = 2
                options.duplicateWindow = .seconds(2)
                let exchange = try await simulator.exchange(createReservation("dojo-dup"), options: options)
                #expect(exchange.responses.count == 2)
                #expect(exchange.responses[0] == exchange.responses[1])
                #expect(pos.createCount == 1)
                #expect(simulator.failures.all.isEmpty)
            }
        }
    }

    @Test func malformedFramesAreAnsweredWhenTheyHaveAnId() async throws {
        try await DojoSimulator.withSimulator(configuration: .testing) { simulator in
            try await StandInAgent.with(simulator) { _ in
                let exchange = try #require(
                    try await simulator.send(
                        frame: #"{"jsonrpc":"2.0","id":"m-1","method":"CreateReservationV1","params":{"name":42}}"#
                    )
                )
                guard case .error(let error)? = exchange.response?.outcome else {
                    Issue.record("expected an error, got \(String(describing: exchange.response))")
                    return
                }
                #expect(error.errorType == .invalidRequest)
                #expect(try await simulator.send(frame: "not json at all") == nil)
                // The session is still up and serving.
                let areas = try await simulator.call(.listAreas(ListAreasRequest()))
                #expect(try result(areas).arrayValue?.count == 2)
                #expect(simulator.failures.all.isEmpty)
            }
        }
    }

    @Test func faultsFromTheConfigurationApplyToEverySession() async throws {
        var configuration = DojoSimulator.Configuration.testing
        configuration.faults.rejectHandshakes = [401]
        configuration.faults.dropDuringRequest = 1
        try await DojoSimulator.withSimulator(configuration: configuration) { simulator in
            try await StandInAgent.with(simulator) { agent in
                let first = try await simulator.awaitSession()
                #expect(agent.connectErrors.map(\.httpStatus) == [401])
                let dropped = try await simulator.exchange(.listAreas(ListAreasRequest()))
                #expect(dropped.responses.isEmpty)
                let second = try await simulator.awaitSession(after: first)
                #expect(second.number == 2)
                _ = try await simulator.call(.listAreas(ListAreasRequest()))
                #expect(simulator.failures.all.isEmpty)
            }
        }
    }

    @Test func malformedFramesOnConnectAreAnsweredWithoutFailures() async throws {
        var configuration = DojoSimulator.Configuration.testing
        configuration.faults.malformedOnConnect = true
        try await DojoSimulator.withSimulator(configuration: configuration) { simulator in
            try await StandInAgent.with(simulator) { _ in
                let session = try await simulator.awaitSession()
                // Two of the four frames carry a readable id and are answered; then a normal call still works.
                _ = try await session.responses.first { $0.id == RequestID("sim-malformed-2") }
                _ = try await simulator.call(.listAreas(ListAreasRequest()))
                #expect(
                    session.responses.all.compactMap { $0.id?.text }.filter { $0.hasPrefix("sim-malformed") }.sorted()
                        == ["sim-malformed-1", "sim-malformed-2"]
                )
                #expect(simulator.failures.all.isEmpty)
            }
        }
    }

    @Test func generatedTLSServesWSSTrustedThroughTheCAFile() async throws {
        var configuration = DojoSimulator.Configuration.testing
        configuration.tls = .generated
        try await DojoSimulator.withSimulator(configuration: configuration) { simulator in
            #expect(simulator.webSocketURL.hasPrefix("wss://127.0.0.1:"))
            #expect(simulator.apiBaseURL.hasPrefix("https://127.0.0.1:"))
            let caFile = try #require(simulator.caFile)
            #expect(FileManager.default.fileExists(atPath: caFile))
            var options = StandInAgent.Options()
            options.caFile = caFile
            try await StandInAgent.with(simulator, options: options) { _ in
                let areas = try await simulator.call(.listAreas(ListAreasRequest()))
                #expect(try result(areas).arrayValue?.count == 2)
            }
        }
    }
}

/// Hands every logged message to a queue, so a test can await a log line instead of sleeping.
private struct MessageQueueLogHandler: LogHandler {
    let messages: AsyncQueue<String>
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        self.messages.push("\(event.message)")
    }
}
