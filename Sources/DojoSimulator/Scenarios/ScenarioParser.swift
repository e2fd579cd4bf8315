import DojoProtocol
import Foundation
import Yams

extension Scenario {
    /// Reads every scenario in a YAML file (one per YAML document; documents are separated by `---`).
    ///
    /// - Throws: ``SimulatorError`` (`invalidInput`) naming the file, line and problem.
    public static func load(file path: String) throws -> [Scenario] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw SimulatorError(.invalidInput, "cannot read scenario file \(path): \(error.localizedDescription)")
        }
        return try parse(yaml: text, file: path)
    }

    /// Reads every scenario in YAML text.
    ///
    /// - Throws: ``SimulatorError`` (`invalidInput`) naming the file, line and problem.
    public static func parse(yaml text: String, file: String = "<scenario>") throws -> [Scenario] {
        let reader = ScenarioYAMLReader(file: file)
        var scenarios: [Scenario] = []
        do {
            // YamlSequence stops at a parse error and keeps it in `error` instead of throwing.
            var documents = try Yams.compose_all(yaml: text)
            while let document = documents.next() {
                scenarios.append(try reader.scenario(document))
            }
            if let error = documents.error { throw error }
        } catch let error as SimulatorError {
            throw error
        } catch {
            throw SimulatorError(.invalidInput, "\(file): not valid YAML: \(error)")
        }
        if scenarios.isEmpty { throw SimulatorError(.invalidInput, "\(file): no scenario in the file") }
        return scenarios
    }
}

/// Turns YAML nodes into scenarios, strictly: unknown keys, missing keys and wrong kinds are errors that name
/// the file and line, so a typo never silently turns a check off.
struct ScenarioYAMLReader {
    let file: String

    func fail(_ node: Node?, _ message: String) -> SimulatorError {
        let line = node?.mark.map { ":\($0.line)" } ?? ""
        return SimulatorError(.invalidInput, "\(file)\(line): \(message)")
    }

    func scenario(_ node: Node) throws -> Scenario {
        let members = try mapping(node, allowed: ["name", "description", "variables", "steps"], what: "a scenario")
        guard let nameNode = members["name"] else { throw fail(node, "a scenario needs a name") }
        guard let stepsNode = members["steps"], case .sequence(let steps) = stepsNode else {
            throw fail(node, "a scenario needs a list of steps")
        }
        var variables: [String: JSONValue] = [:]
        if let variablesNode = members["variables"] {
            for (key, value) in try orderedMapping(variablesNode, what: "variables") {
                variables[key] = try json(value)
            }
        }
        var parsed: [ScenarioStep] = []
        for (offset, stepNode) in steps.enumerated() {
            parsed.append(try step(stepNode, number: offset + 1))
        }
        return Scenario(
            name: try string(nameNode),
            summary: try members["description"].map(string),
            file: file,
            variables: variables,
            steps: parsed
        )
    }

    private static let stepKeys: Set<String> = [
        "name", "call", "params", "copies", "dropAfterSending", "concurrent", "send", "notify", "awaitEvent", "fault",
        "awaitRegistration", "expect", "capture", "timeout", "skipUnless",
    ]
    private static let actionKeys = [
        "call", "concurrent", "send", "notify", "awaitEvent", "fault", "awaitRegistration",
    ]

    func step(_ node: Node, number: Int) throws -> ScenarioStep {
        let members = try mapping(node, allowed: Self.stepKeys, what: "a step")
        let actions = Self.actionKeys.filter { members[$0] != nil }
        guard actions.count == 1, let actionKey = actions.first else {
            throw fail(node, "step \(number) needs exactly one of \(Self.actionKeys.joined(separator: ", "))")
        }
        if actionKey != "call" {
            for key in ["params", "copies", "dropAfterSending"] where members[key] != nil {
                throw fail(members[key], "\(key) belongs to a call step")
            }
        }
        let action: ScenarioStep.Action
        var defaultName: String
        switch actionKey {
        case "call":
            let call = try self.call(members, node: node)
            action = .call(call)
            defaultName = call.method.wireName
        case "concurrent":
            guard let listNode = members["concurrent"], case .sequence(let items) = listNode, !items.isEmpty else {
                throw fail(members["concurrent"], "concurrent needs a non-empty list of calls")
            }
            var calls: [ScenarioCall] = []
            for item in items {
                let itemMembers = try mapping(item, allowed: ["call", "params", "expect", "capture"], what: "a call")
                var call = try self.call(itemMembers, node: item)
                call.expect = try itemMembers["expect"].map(expectation) ?? ScenarioExpectation()
                call.captures = try itemMembers["capture"].map(captures) ?? []
                calls.append(call)
            }
            action = .concurrent(calls)
            defaultName = "\(calls.count) requests at once"
        case "send":
            action = .send(frame: try string(members["send"]!))
            defaultName = "raw frame"
        case "notify":
            let event = try eventReference(members["notify"]!, idRequired: true)
            action = .notify(eventType: event.type, id: event.id ?? "")
            defaultName = "POS reports \(event.type.rawValue)"
        case "awaitEvent":
            let event = try eventReference(members["awaitEvent"]!, idRequired: false)
            action = .awaitEvent(eventType: event.type, id: event.id)
            defaultName = "POS sends \(event.type.rawValue)"
        case "fault":
            let fault = try self.fault(members["fault"]!)
            action = .fault(fault)
            defaultName = "fault \(fault)"
        default:
            guard try bool(members["awaitRegistration"]!) else {
                throw fail(members["awaitRegistration"], "awaitRegistration must be true")
            }
            action = .awaitRegistration
            defaultName = "capability registration"
        }
        var skipUnless: [String] = []
        if let skipNode = members["skipUnless"] {
            if case .sequence(let names) = skipNode {
                skipUnless = try names.map(string)
            } else {
                skipUnless = [try string(skipNode)]
            }
        }
        return ScenarioStep(
            name: try members["name"].map(string) ?? defaultName,
            line: node.mark?.line,
            action: action,
            expect: try members["expect"].map(expectation) ?? ScenarioExpectation(),
            captures: try members["capture"].map(captures) ?? [],
            timeout: try members["timeout"].map(duration),
            skipUnless: skipUnless
        )
    }

    private func call(_ members: [String: Node], node: Node) throws -> ScenarioCall {
        guard let methodNode = members["call"] else { throw fail(node, "a call needs a method (call: …)") }
        let name = try string(methodNode)
        guard let method = DojoMethod(rawValue: name) else {
            let known = DojoMethod.allCases.map(\.wireName).joined(separator: ", ")
            throw fail(methodNode, "unknown method \(name); known: \(known)")
        }
        var params = try members["params"].map(json) ?? .object([:])
        if case .object(var object) = params, object["headers"] == nil {
            // Dojo always sends a headers object; steps need not spell it out.
            object["headers"] = .object([:])
            params = .object(object)
        }
        let copies = try members["copies"].map(integer) ?? 1
        guard copies >= 1 else { throw fail(members["copies"], "copies must be at least 1") }
        return ScenarioCall(
            method: method,
            params: params,
            copies: copies,
            dropAfterSending: try members["dropAfterSending"].map(bool) ?? false
        )
    }

    private func eventReference(_ node: Node, idRequired: Bool) throws -> (type: PosEventType, id: String?) {
        let members = try mapping(node, allowed: ["eventType", "id"], what: "an event")
        guard let typeNode = members["eventType"] else { throw fail(node, "eventType is required") }
        let typeName = try string(typeNode)
        guard let type = PosEventType(rawValue: typeName) else {
            throw fail(
                typeNode,
                "unknown eventType \(typeName); expected OrderUpdated, PartyUpdated or ReservationUpdated"
            )
        }
        let id = try members["id"].map(string)
        if idRequired, id == nil { throw fail(node, "id is required") }
        return (type, id)
    }

    private func fault(_ node: Node) throws -> ScenarioFault {
        if case .scalar = node {
            switch try string(node) {
            case "drop": return .drop
            case "stopAnsweringPings": return .stopAnsweringPings
            case let other:
                throw fail(node, "unknown fault \(other); see Docs/simulator.md for the list")
            }
        }
        let members = try orderedMapping(node, what: "a fault")
        guard members.count == 1, let (name, value) = members.first else {
            throw fail(node, "a fault is one of: drop, stopAnsweringPings, or a one-key mapping")
        }
        switch name {
        case "rejectNextHandshake": return .rejectNextHandshake(try integer(value))
        case "close": return .close(UInt16(clamping: try integer(value)))
        case "requestDelay": return .requestDelay(try duration(value))
        case "eventResponseDelay": return .eventResponseDelay(try duration(value))
        case "duplicateRequests": return .duplicateRequests(try bool(value))
        case "eventResponses":
            guard case .sequence(let items) = value else { throw fail(value, "eventResponses needs a list") }
            return .eventResponses(try items.map(eventResponse))
        default:
            throw fail(node, "unknown fault \(name); see Docs/simulator.md for the list")
        }
    }

    private func eventResponse(_ node: Node) throws -> EventResponse {
        if case .mapping = node {
            let members = try mapping(node, allowed: ["status", "retryAfter"], what: "an event response")
            guard let status = members["status"] else { throw fail(node, "status is required") }
            return EventResponse(status: try integer(status), retryAfter: try members["retryAfter"].map(integer))
        }
        guard let response = EventResponse(parsing: try string(node)) else {
            throw fail(node, "an event response is a status (500) or status:retryAfter (429:2)")
        }
        return response
    }

    func expectation(_ node: Node) throws -> ScenarioExpectation {
        let members = try mapping(
            node,
            allowed: ["result", "error", "answers", "reconnect", "handshakeRejected", "attempts", "fetched"],
            what: "an expectation"
        )
        var expect = ScenarioExpectation()
        expect.result = try members["result"].map(json)
        expect.error = try members["error"].map(json)
        expect.answers = try members["answers"].map(json)
        expect.reconnect = try members["reconnect"].map(bool)
        expect.handshakeRejected = try members["handshakeRejected"].map(integer)
        if let attempts = members["attempts"] {
            guard case .sequence(let items) = attempts else {
                throw fail(attempts, "attempts needs a list of statuses")
            }
            expect.attempts = try items.map(integer)
        }
        if let fetched = members["fetched"] {
            if case .scalar = fetched {
                guard try string(fetched) == "deleted" else { throw fail(fetched, "fetched is `deleted` or a mapping") }
                expect.fetched = FetchExpectation(deleted: true)
            } else {
                let fields = try mapping(fetched, allowed: ["result", "error", "deleted"], what: "fetched")
                expect.fetched = FetchExpectation(
                    result: try fields["result"].map(json),
                    deleted: try fields["deleted"].map(bool),
                    error: try fields["error"].map(json)
                )
            }
        }
        if expect.result != nil, expect.error != nil {
            throw fail(node, "expect either a result or an error, not both")
        }
        return expect
    }

    private func captures(_ node: Node) throws -> [(name: String, path: ValuePath)] {
        try orderedMapping(node, what: "capture").map { name, value in
            do {
                return (name, try ValuePath(parsing: try string(value)))
            } catch let error as SimulatorError {
                throw fail(value, error.message)
            }
        }
    }

    // MARK: - Scalars and collections

    private func orderedMapping(_ node: Node, what: String) throws -> [(String, Node)] {
        guard case .mapping(let mapping) = node else { throw fail(node, "\(what) must be a mapping") }
        return try mapping.map { (try string($0.key), $0.value) }
    }

    private func mapping(_ node: Node, allowed: Set<String>, what: String) throws -> [String: Node] {
        var members: [String: Node] = [:]
        for (key, value) in try orderedMapping(node, what: what) {
            guard allowed.contains(key) else {
                throw fail(
                    node,
                    "unknown key \"\(key)\" in \(what); allowed: \(allowed.sorted().joined(separator: ", "))"
                )
            }
            guard members[key] == nil else { throw fail(node, "\"\(key)\" appears twice in \(what)") }
            members[key] = value
        }
        return members
    }

    func string(_ node: Node) throws -> String {
        guard case .scalar(let scalar) = node else { throw fail(node, "expected a single value") }
        return scalar.string
    }

    private func integer(_ node: Node) throws -> Int {
        guard case .integer(let value) = try json(node), let result = Int(exactly: value) else {
            throw fail(node, "expected an integer")
        }
        return result
    }

    private func bool(_ node: Node) throws -> Bool {
        guard case .bool(let value) = try json(node) else { throw fail(node, "expected true or false") }
        return value
    }

    private func duration(_ node: Node) throws -> Duration {
        guard let value = Duration(parsing: try string(node)) else {
            throw fail(node, "expected a duration such as 500ms, 2s or 1m")
        }
        return value
    }

    /// YAML to JSON. Plain scalars become null, booleans (`true`/`false` only) or numbers when they read as
    /// such; everything else, quoted scalars and timestamps included, stays a string.
    func json(_ node: Node) throws -> JSONValue {
        switch node {
        case .scalar(let scalar):
            let text = scalar.string
            guard scalar.style == .plain || scalar.style == .any else { return .string(text) }
            switch text {
            case "null", "~", "": return .null
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: break
            }
            if let integer = Int64(text) { return .integer(integer) }
            if text.first.map({ $0.isNumber || $0 == "-" }) == true, let double = Double(text), double.isFinite {
                return .double(double)
            }
            return .string(text)
        case .sequence(let sequence):
            return .array(try sequence.map(json))
        case .mapping:
            var object: [String: JSONValue] = [:]
            for (key, value) in try orderedMapping(node, what: "an object") { object[key] = try json(value) }
            return .object(object)
        case .alias:
            throw fail(node, "YAML aliases are not supported in scenarios")
        }
    }
}
