public import DojoProtocol
import Foundation
import NIOConcurrencyHelpers

/// Runs scenarios against the agent connected to a simulator and reports every step.
///
/// Steps run in order. A step fails when its answer does not match, when something it waits for does not
/// happen in time, or when the simulator records a failure while it runs (an unknown id, an invalid event…).
/// A step is skipped, not failed, when the agent did not register the capability it needs, when it needs a
/// POS driver and none was given, or when a variable it uses comes from a step that failed or was skipped.
///
/// ```swift
/// let runner = ScenarioRunner(simulator: simulator, options: .init(posDriver: driver))
/// let report = await runner.run(try Scenario.load(file: "Scenarios/bookings-flow.yaml"))
/// print(report.rendered(story: true))
/// ```
public struct ScenarioRunner: Sendable {
    /// How scenarios run.
    public struct Options: Sendable {
        /// Variables every scenario starts with (override the file's).
        public var variables: [String: JSONValue] = [:]
        /// Makes the POS report changes for `notify` steps; without one, those steps are skipped.
        public var posDriver: (any POSDriver)?
        /// The default wait of a step; nil uses the simulator's request timeout.
        public var stepTimeout: Duration?
        /// The default wait for a POS event to arrive and be fetched back (retries after faults included).
        public var eventTimeout: Duration = .seconds(30)
        /// The default wait for a reconnection after a connection fault.
        public var reconnectTimeout: Duration = .seconds(60)
        /// Skip steps whose capability the agent did not register (what Dojo does: it never routes those).
        public var skipUnregistered = true

        /// Creates options.
        public init(posDriver: (any POSDriver)? = nil, variables: [String: JSONValue] = [:]) {
            self.posDriver = posDriver
            self.variables = variables
        }
    }

    /// The simulator the agent is connected to.
    public let simulator: DojoSimulator
    /// The options.
    public let options: Options

    /// Creates a runner.
    public init(simulator: DojoSimulator, options: Options = .init()) {
        self.simulator = simulator
        self.options = options
    }

    /// Runs every scenario in order and reports; failures the simulator recorded outside any step are listed
    /// in the report and fail it too.
    public func run(_ scenarios: [Scenario]) async -> ScenarioReport {
        let start = simulator.failures.count
        let claimed = NIOLockedValueBox(Set<Int>())
        var results: [ScenarioResult] = []
        for scenario in scenarios {
            results.append(await run(scenario, claimed: claimed))
        }
        let all = simulator.failures.all
        let claimedIndexes = claimed.withLockedValue { $0 }
        let unattributed = (start..<all.count).filter { !claimedIndexes.contains($0) }.map { all[$0] }
        return ScenarioReport(
            scenarios: results,
            unattributedFailures: unattributed,
            registeredCapabilities: simulator.registeredCapabilities.map { CapabilityRegistration($0).capabilities }
        )
    }

    /// Runs one scenario.
    public func run(_ scenario: Scenario) async -> ScenarioResult {
        await run(scenario, claimed: NIOLockedValueBox([]))
    }

    private func run(_ scenario: Scenario, claimed: NIOLockedValueBox<Set<Int>>) async -> ScenarioResult {
        var variables = ScenarioVariables(Self.builtins().merging(scenario.variables) { _, file in file })
        for (name, value) in options.variables { variables.set(name, value) }
        let start = ContinuousClock.now
        var steps: [StepResult] = []
        for step in scenario.steps {
            let failuresBefore = simulator.failures.count
            var result = await run(step, variables: &variables)
            let failuresAfter = simulator.failures.count
            if failuresAfter > failuresBefore {
                let recorded = simulator.failures.all[failuresBefore..<failuresAfter]
                claimed.withLockedValue { $0.formUnion(failuresBefore..<failuresAfter) }
                let text = recorded.map(\.description).joined(separator: "; ")
                if result.status != .failed {
                    result.status = .failed
                    result.reason = "the simulator recorded: \(text)"
                } else {
                    result.reason = (result.reason ?? "") + "; the simulator recorded: \(text)"
                }
                for capture in self.captures(of: step) { variables.markUnset(capture, .skipped(step: step.name)) }
            }
            steps.append(result)
        }
        return ScenarioResult(
            name: scenario.name,
            file: scenario.file,
            summary: scenario.summary,
            steps: steps,
            duration: ContinuousClock.now - start
        )
    }

    /// `run`: a token unique to this run (for Dojo ids); `today`, `tomorrow`: UTC dates `yyyy-MM-dd`.
    static func builtins() -> [String: JSONValue] {
        let now = DojoSimulator.now()
        let day: Int64 = 86_400_000
        func date(_ timestamp: Timestamp) -> String { String(timestamp.iso8601String.prefix(10)) }
        let token = String(UUID().uuidString.lowercased().prefix(8))
        return [
            "run": .string(token),
            "today": .string(date(now)),
            "tomorrow": .string(date(Timestamp(millisecondsSince1970: now.millisecondsSince1970 + day))),
        ]
    }

    private func captures(of step: ScenarioStep) -> [String] {
        var names = step.captures.map(\.name)
        if case .concurrent(let calls) = step.action { names += calls.flatMap { $0.captures.map(\.name) } }
        return names
    }

    // MARK: - One step

    private func run(_ step: ScenarioStep, variables: inout ScenarioVariables) async -> StepResult {
        let start = ContinuousClock.now
        var context = StepContext()
        let status: StepResult.Status
        var reason: String?
        do {
            for name in step.skipUnless where variables.whyUnset(name) != nil {
                throw StepVerdict.skip("\(name) is not set")
            }
            try await perform(step, variables: &variables, context: &context)
            status = .passed
        } catch let verdict as StepVerdict {
            switch verdict {
            case .skip(let why):
                status = .skipped
                reason = why
                // A value given in the options (dojo-sim check --table-id) stands in for a step Dojo would
                // not send: a capturing SearchTablesV1 skipped for an undeclared capability keeps it.
                for name in captures(of: step) where options.variables[name] == nil {
                    variables.markUnset(name, .skipped(step: step.name))
                }
            case .fail(let why):
                status = .failed
                reason = why
                for name in captures(of: step) { variables.markUnset(name, .skipped(step: step.name)) }
            }
        } catch let missing as MissingVariable {
            status = missing.causesSkip ? .skipped : .failed
            reason = missing.description
            for name in captures(of: step) { variables.markUnset(name, .skipped(step: step.name)) }
        } catch {
            status = .failed
            reason = "\(error)"
            for name in captures(of: step) { variables.markUnset(name, .skipped(step: step.name)) }
        }
        return StepResult(
            name: step.name,
            line: step.line,
            status: status,
            reason: reason,
            latency: context.latency,
            duration: ContinuousClock.now - start,
            story: context.story
        )
    }

    private func timeout(for step: ScenarioStep) -> Duration {
        step.timeout ?? options.stepTimeout ?? simulator.configuration.requestTimeout
    }

    private func perform(
        _ original: ScenarioStep,
        variables: inout ScenarioVariables,
        context: inout StepContext
    ) async throws {
        var step = original
        step.expect = try resolved(step.expect, variables)
        let sessionAtStart = simulator.currentSession
        let handshakesAtStart = simulator.handshakes.count
        var expectReconnect = step.expect.reconnect ?? false
        switch step.action {
        case .call(let call):
            let request = try makeRequest(call, variables: variables)
            try checkRegistered(request)
            var callOptions = CallOptions()
            callOptions.timeout = timeout(for: step)
            callOptions.copies = call.copies
            callOptions.dropAfterSending = call.dropAfterSending
            context.story.append(Narrator.dojoToPOS + Narrator.describe(request))
            let exchange = try await runExchange { try await simulator.exchange(request, options: callOptions) }
            if call.dropAfterSending {
                context.story.append("(connection dropped with the request in flight)")
                expectReconnect = step.expect.reconnect ?? true
            } else {
                context.latency = exchange.latency
                context.story.append(Narrator.posToDojo + Narrator.describe(exchange.response, for: request.method))
                try check(exchange.response, method: request.method, expect: step.expect)
                try checkAnswers(exchange, copies: call.copies, expect: step.expect)
                try capture(step.captures, from: outcomeRoots(exchange.response), step: step, into: &variables)
            }
        case .concurrent(var calls):
            for index in calls.indices { calls[index].expect = try resolved(calls[index].expect, variables) }
            // Dojo sends the calls it can route: one for an unregistered capability (or needing what such a
            // call would have created) is left out, and the step is skipped only when none is left.
            var requests: [DojoRequest] = []
            var kept: [ScenarioCall] = []
            var firstSkip: (any Error)?
            for call in calls {
                do {
                    let request = try makeRequest(call, variables: variables)
                    try checkRegistered(request)
                    requests.append(request)
                    kept.append(call)
                } catch let missing as MissingVariable where missing.causesSkip {
                    firstSkip = firstSkip ?? missing
                } catch StepVerdict.skip(let why) {
                    firstSkip = firstSkip ?? StepVerdict.skip(why)
                }
            }
            calls = kept
            if requests.isEmpty, let firstSkip { throw firstSkip }
            for request in requests { context.story.append(Narrator.dojoToPOS + Narrator.describe(request)) }
            let results = try await simulator.exchangeConcurrently(requests, timeout: timeout(for: step))
            var problems: [String] = []
            for (offset, (call, result)) in zip(calls, results).enumerated() {
                switch result {
                case .success(let exchange):
                    context.latency = max(context.latency ?? .zero, exchange.latency)
                    context.story.append(
                        Narrator.posToDojo + "#\(offset + 1): "
                            + Narrator.describe(exchange.response, for: call.method)
                    )
                    do {
                        try check(exchange.response, method: call.method, expect: call.expect)
                        try capture(call.captures, from: outcomeRoots(exchange.response), step: step, into: &variables)
                    } catch StepVerdict.fail(let why) {
                        problems.append("request \(offset + 1): \(why)")
                    }
                case .failure(let error):
                    problems.append("request \(offset + 1): \(error.message)")
                }
            }
            if !problems.isEmpty { throw StepVerdict.fail(problems.joined(separator: "; ")) }
        case .send(let template):
            let frame = try variables.interpolate(string: template).stringValue ?? template
            context.story.append(Narrator.dojoToPOS + "raw frame \(excerpt(frame))")
            let exchange = try await runExchange { try await simulator.send(frame: frame, timeout: timeout(for: step)) }
            if let exchange {
                context.latency = exchange.latency
                context.story.append(Narrator.posToDojo + Narrator.describe(exchange.response, for: nil))
                try check(exchange.response, method: nil, expect: step.expect)
                try capture(step.captures, from: outcomeRoots(exchange.response), step: step, into: &variables)
            } else if step.expect.result != nil || step.expect.error != nil {
                throw StepVerdict.fail("the frame has no readable id, so no answer can be expected")
            } else {
                context.story.append("(no id, so no answer is expected)")
            }
        case .notify(let type, let idTemplate):
            let id = try variables.interpolate(string: idTemplate).stringValue ?? idTemplate
            let event = try makeEvent(type, id)
            guard let driver = options.posDriver else {
                throw StepVerdict.skip("no POS driver to make the POS report a change (dojo-sim run --notify-command)")
            }
            try checkFetchable(event)
            let marks = (events: simulator.events.count, fetches: simulator.fetches.count)
            let triggered = ContinuousClock.now
            context.story.append("POS changes \(event.entityID) and reports \(event.type.rawValue)")
            do {
                try await driver.notify(event)
            } catch {
                throw StepVerdict.fail("the POS driver failed: \(error)")
            }
            try await followEvent(
                event,
                marks: marks,
                since: triggered,
                step: step,
                variables: &variables,
                context: &context
            )
        case .awaitEvent(let type, let idTemplate):
            let id = try idTemplate.map { try variables.interpolate(string: $0).stringValue ?? $0 }
            let marks = (events: simulator.events.count, fetches: simulator.fetches.count)
            let found = try await runWait {
                try await simulator.awaitEvent(from: marks.events, timeout: step.timeout ?? options.eventTimeout) {
                    $0.event?.type == type && (id == nil || $0.event?.entityID == id)
                }
            }
            guard let event = found.event.event else { throw StepVerdict.fail("the event was invalid") }
            try await followEvent(
                event,
                marks: marks,
                since: .now,
                step: step,
                variables: &variables,
                context: &context
            )
        case .fault(let fault):
            context.story.append("fault: \(fault)")
            switch fault {
            case .rejectNextHandshake(let status):
                simulator.rejectNextHandshake(status: status)
            case .drop:
                guard await simulator.dropConnection() != nil else { throw StepVerdict.fail("no connection to drop") }
                expectReconnect = step.expect.reconnect ?? true
            case .close(let code):
                guard let session = simulator.currentSession else { throw StepVerdict.fail("no connection to close") }
                try await session.close(code: code, reason: "closed by dojo-sim")
                expectReconnect = step.expect.reconnect ?? true
            case .stopAnsweringPings:
                guard simulator.stopAnsweringPings() != nil else { throw StepVerdict.fail("no connection") }
                expectReconnect = step.expect.reconnect ?? true
            case .requestDelay(let delay):
                simulator.setRequestDelay(delay)
            case .eventResponses(let responses):
                simulator.respondToNextEvents(responses)
            case .eventResponseDelay(let delay):
                simulator.setEventResponseDelay(delay)
            case .duplicateRequests(let enabled):
                simulator.setDuplicateRequests(enabled)
            }
        case .awaitRegistration:
            let record = try await runWait { try await simulator.awaitRegistration(timeout: timeout(for: step)) }
            guard let registration = record.registration else {
                throw StepVerdict.fail("the registration was refused: \(record.problem ?? "?")")
            }
            context.story.append(
                Narrator.posToDojo + "registered \(registration.capabilities.count) capabilities: "
                    + registration.capabilities.map(\.name).joined(separator: ", ")
            )
        }
        if let status = step.expect.handshakeRejected {
            let wait = step.timeout ?? options.reconnectTimeout
            let record = try await runWait {
                try await simulator.awaitHandshake(from: handshakesAtStart, timeout: wait) {
                    if case .rejected(status, _) = $0.outcome { return true }
                    return false
                }
            }
            context.story.append("handshake refused with \(status): \(record.outcome)")
        }
        if expectReconnect {
            let wait = step.timeout ?? options.reconnectTimeout
            let reconnectStart = ContinuousClock.now
            let session = try await runWait { try await simulator.awaitSession(after: sessionAtStart, timeout: wait) }
            context.latency = ContinuousClock.now - reconnectStart
            context.story.append("the agent reconnected (\(session))")
        }
    }

    // MARK: - Events

    private func followEvent(
        _ event: PosEvent,
        marks: (events: Int, fetches: Int),
        since triggered: ContinuousClock.Instant,
        step: ScenarioStep,
        variables: inout ScenarioVariables,
        context: inout StepContext
    ) async throws {
        let wait = step.timeout ?? options.eventTimeout
        var statuses: [Int] = []
        var from = marks.events
        var accepted: RecordedEvent?
        while accepted == nil {
            if let expected = step.expect.attempts, statuses.count >= expected.count { break }
            let found = try await runWait {
                try await simulator.awaitEvent(from: from, timeout: wait) { $0.event == event }
            }
            statuses.append(found.event.status)
            from = found.index + 1
            if found.event.isAccepted { accepted = found.event }
        }
        context.story.append(
            Narrator.posToDojo + "POST /epos/events \(event) answered "
                + statuses.map(String.init).joined(separator: ", then ")
        )
        if let expected = step.expect.attempts, statuses != expected {
            throw StepVerdict.fail("expected delivery attempts answered \(expected), got \(statuses)")
        }
        var roots: [String: JSONValue] = ["event": event.jsonValue]
        if accepted != nil, simulator.configuration.fetchAfterEvents {
            let record = try await runWait {
                try await simulator.awaitFetch(of: event, from: marks.fetches, timeout: wait)
            }
            context.latency = ContinuousClock.now - triggered
            context.story.append(Narrator.dojoToPOS + "\(record.method.wireName) \(event.entityID)")
            switch record.outcome {
            case .entity(let result):
                context.story.append(Narrator.posToDojo + Narrator.describe(result) + " (Dojo stores it)")
                roots["fetched"] = result.jsonValue
            case .deleted:
                context.story.append(Narrator.posToDojo + "NotFound (Dojo records \(event.entityID) as deleted)")
                if case .error(let error)? = record.response?.outcome { roots["fetched"] = error.jsonValue }
            case .failed(let why):
                throw StepVerdict.fail("Dojo could not fetch \(event.entityID) back: \(why)")
            }
            try checkFetch(record, expect: step.expect.fetched)
        } else if step.expect.fetched != nil {
            throw StepVerdict.fail("no fetch-back: the event was not accepted or fetching is off")
        }
        try capture(step.captures, from: roots, step: step, into: &variables)
    }

    private func checkFetch(_ record: FetchRecord, expect: FetchExpectation?) throws {
        guard let expect else { return }
        switch record.outcome {
        case .entity(let result):
            if expect.deleted == true || expect.error != nil {
                throw StepVerdict.fail("expected the entity to be gone, but Dojo fetched \(Narrator.describe(result))")
            }
            if let pattern = expect.result,
                let problem = ValuePattern.mismatch(result.jsonValue, against: pattern, at: "fetched")
            {
                throw StepVerdict.fail(problem)
            }
        case .deleted:
            if expect.result != nil || expect.deleted == false {
                throw StepVerdict.fail("expected an entity, but the POS answered NotFound")
            }
            if let pattern = expect.error, case .error(let error)? = record.response?.outcome {
                if let problem = errorMismatch(error, pattern, at: "fetched.error") { throw StepVerdict.fail(problem) }
            }
        case .failed(let why):
            throw StepVerdict.fail(why)
        }
    }

    // MARK: - Checks

    /// The expectation with `${variables}` replaced in its patterns.
    private func resolved(_ expect: ScenarioExpectation, _ variables: ScenarioVariables) throws -> ScenarioExpectation {
        var copy = expect
        copy.result = try expect.result.map { try variables.interpolate($0) }
        copy.error = try expect.error.map { try variables.interpolate($0) }
        copy.answers = try expect.answers.map { try variables.interpolate($0) }
        if let fetched = expect.fetched {
            copy.fetched = FetchExpectation(
                result: try fetched.result.map { try variables.interpolate($0) },
                deleted: fetched.deleted,
                error: try fetched.error.map { try variables.interpolate($0) }
            )
        }
        return copy
    }

    private func makeRequest(_ call: ScenarioCall, variables: ScenarioVariables) throws -> DojoRequest {
        let params = try variables.interpolate(call.params)
        do {
            return try DojoRequest(method: call.method, params: params)
        } catch {
            throw StepVerdict.fail(
                "the step's params are not a valid \(call.method.wireName) (\(error.message)); "
                    + "use a send step for malformed requests"
            )
        }
    }

    private func makeEvent(_ type: PosEventType, _ id: String) throws -> PosEvent {
        do {
            return try PosEvent(type: type, entityID: id)
        } catch {
            throw StepVerdict.fail("invalid event id: \(error.message)")
        }
    }

    private func checkRegistered(_ request: DojoRequest) throws {
        guard options.skipUnregistered, let registered = simulator.registeredCapabilities,
            let capability = request.requiredCapability, !registered.contains(capability)
        else { return }
        throw StepVerdict.skip(
            "the agent did not register \(capability.name), so Dojo would not send \(request.method)"
        )
    }

    private func checkFetchable(_ event: PosEvent) throws {
        let capability: Capability =
            switch event.type {
            case .orderUpdated: .getOrderByID
            case .partyUpdated: .getPartyByID
            case .reservationUpdated: .getReservationByID
            }
        guard options.skipUnregistered, let registered = simulator.registeredCapabilities,
            !registered.contains(capability)
        else { return }
        throw StepVerdict.skip("the agent did not register \(capability.name), so Dojo could not fetch \(event.type)")
    }

    private func check(_ response: ResponseFrame?, method: DojoMethod?, expect: ScenarioExpectation) throws {
        guard let response else { throw StepVerdict.fail("no answer") }
        switch response.outcome {
        case .result(let json):
            if let pattern = expect.error {
                throw StepVerdict.fail(
                    "expected error \(ValuePattern.show(pattern)), got a result \(ValuePattern.show(json))"
                )
            }
            if let method {
                do {
                    _ = try DojoResult(json: json, for: method)
                } catch {
                    throw StepVerdict.fail("the result is not a valid \(method.wireName) answer: \(error.message)")
                }
            }
            if let pattern = expect.result, let problem = ValuePattern.mismatch(json, against: pattern, at: "result") {
                throw StepVerdict.fail(problem)
            }
        case .error(let error):
            guard let pattern = expect.error else {
                throw StepVerdict.fail(
                    "expected a result, got \(error.errorType.rawValue): \(error.debugMessage ?? "")"
                )
            }
            if let problem = errorMismatch(error, pattern, at: "error") { throw StepVerdict.fail(problem) }
        }
    }

    private func errorMismatch(_ error: DojoError, _ pattern: JSONValue, at path: String) -> String? {
        if case .string(let type) = pattern {
            return error.errorType.rawValue == type
                ? nil : "\(path): expected \(type), got \(error.errorType.rawValue): \(error.debugMessage ?? "")"
        }
        return ValuePattern.mismatch(error.jsonValue, against: pattern, at: path)
    }

    private func checkAnswers(_ exchange: Exchange, copies: Int, expect: ScenarioExpectation) throws {
        let count = exchange.responses.count
        if let pattern = expect.answers {
            if let problem = ValuePattern.mismatch(.integer(Int64(count)), against: pattern, at: "answers") {
                throw StepVerdict.fail(problem)
            }
        } else if copies > 1, !(1...copies).contains(count) {
            throw StepVerdict.fail("sent \(copies) copies of one id, got \(count) answers")
        }
        if Set(exchange.responses).count > 1 {
            throw StepVerdict.fail("the copies of \(exchange.id.text) were answered differently")
        }
    }

    private func outcomeRoots(_ response: ResponseFrame?) -> [String: JSONValue] {
        guard let response else { return [:] }
        var roots: [String: JSONValue] = ["response": response.jsonValue]
        switch response.outcome {
        case .result(let json): roots["result"] = json
        case .error(let error): roots["error"] = error.jsonValue
        }
        return roots
    }

    private func capture(
        _ captures: [(name: String, path: ValuePath)],
        from roots: [String: JSONValue],
        step: ScenarioStep,
        into variables: inout ScenarioVariables
    ) throws {
        for (name, path) in captures {
            if let root = roots[path.root], let value = path.resolve(in: root), !value.isNull {
                variables.set(name, value)
            } else {
                variables.markUnset(name, .absent(step: step.name, path: path.description))
            }
        }
    }

    private func runExchange<Value>(_ body: () async throws -> Value) async throws -> Value {
        do {
            return try await body()
        } catch let error as SimulatorError {
            throw StepVerdict.fail(error.message)
        }
    }

    private func runWait<Value>(_ body: () async throws -> Value) async throws -> Value {
        do {
            return try await body()
        } catch let error as SimulatorError {
            throw StepVerdict.fail(error.message)
        }
    }
}

/// What a step collects while it runs.
private struct StepContext {
    var latency: Duration?
    var story: [String] = []
}

/// A step's early verdict.
private enum StepVerdict: Error {
    case fail(String)
    case skip(String)
}

extension ScenarioFault: CustomStringConvertible {
    /// `reject the next handshake with 503`.
    public var description: String {
        switch self {
        case .rejectNextHandshake(let status): "reject the next handshake with \(status)"
        case .drop: "drop the connection"
        case .close(let code): "close the connection with \(code)"
        case .stopAnsweringPings: "stop answering pings"
        case .requestDelay(let delay): "delay each request by \(delay.shortDescription)"
        case .eventResponses(let responses):
            "answer the next events with \(responses.map(\.description).joined(separator: ", "))"
        case .eventResponseDelay(let delay): "delay REST answers by \(delay.shortDescription)"
        case .duplicateRequests(let enabled): enabled ? "send every request twice" : "stop duplicating requests"
        }
    }
}
