import DojoAgentTesting
import DojoProtocol
import DojoSimulator
import Foundation

/// A rule of `Docs/vendor-guide.md` §2, quoted, so a failure says which promise the adapter broke.
struct VendorRule: Sendable, Hashable {
    var number: Int
    /// The rule's words, verbatim from the guide (a test keeps them in step).
    var text: String

    static let declare = VendorRule(number: 1, text: "Declare only what you implement.")
    static let ownIDs = VendorRule(
        number: 2,
        text: "Return your own ids. `CreateReservationV1` and `CreatePartyV1` carry Dojo's ids "
            + "(`dojoReservationId`, `dojoPartyId`); answer with the entity under *your* id."
    )
    static let idempotent = VendorRule(
        number: 3,
        text: "Make creates idempotent on the Dojo id. Dojo retries; a second `CreateReservationV1` with the same "
            + "`dojoReservationId` must return the reservation already created, not a second one."
    )
    static let updatesReplace = VendorRule(
        number: 4,
        text: "Updates replace. `UpdateReservationV1` and `UpdatePartyV1` set the entity to exactly what they "
            + "carry: an optional field that is absent (for example `hostNotes`) is cleared."
    )
    static let partyStatus = VendorRule(
        number: 5,
        text: "A party needs a status. `CreatePartyV1` may come without `status`; return one anyway (for example "
            + "\"Seated\")."
    )
    static let paging = VendorRule(
        number: 6,
        text: "Page searches. Honour `cursor.limit` (1–100) and return `after` (an opaque string of yours) when "
            + "there is a next page; `cursor.after` continues from it, without repeating or skipping entities. "
            + "A cursor you cannot read is `InvalidRequest`."
    )
    static let errors = VendorRule(
        number: 7,
        text: "Map errors. Entity not found → `NotFound` (Dojo then treats it as deleted: answer it for anything "
            + "you deleted, including on `Update…`); invalid input such as an unknown table → `InvalidRequest`"
    )
    static let concurrency = VendorRule(
        number: 8,
        text: "Be safe under concurrency. Requests about one reservation or party reach you one at a time, in "
            + "order; unrelated requests may arrive concurrently."
    )

    static let all: [VendorRule] = [
        .declare, .ownIDs, .idempotent, .updatesReplace, .partyStatus, .paging, .errors,
        .concurrency,
    ]

    /// The rule a conformance check's name is about, if one is.
    static func forCheck(_ name: String) -> VendorRule? {
        let lower = name.lowercased()
        if lower.contains("idempotent") || lower.contains("redelivery") || lower.contains("repeated create") {
            return .idempotent
        }
        if lower.contains("replaces") || lower.contains("reservation link") { return .updatesReplace }
        if lower.contains("back to back") || lower.contains("in order") { return .concurrency }
        if lower.contains("notfound") || lower.contains("invalidrequest") && !lower.contains("cursor") {
            return .errors
        }
        if lower.contains("pages") || lower.contains("cursor") { return .paging }
        if lower.contains("walk-in") || lower.contains("completed") { return .partyStatus }
        if lower.contains("returns") || lower.contains("links the party") || lower.contains("pos id") {
            return .ownIDs
        }
        return nil
    }
}

/// The first failure seen for a capability.
struct CheckFailure: Sendable {
    /// The conformance check or scenario step.
    var source: String
    var reason: String
    var request: String?
    var answer: String?
    var rule: VendorRule?
}

/// What `dojo-sim check` concluded about one capability.
struct CapabilityVerdict: Sendable {
    enum Status: String, Sendable {
        case passed
        case failed
        case notChecked = "not checked"
        case notDeclared = "not declared"
    }

    var capability: Capability
    var declared: Bool
    var passed = 0
    var failed = 0
    /// Why nothing checked it, when nothing did.
    var notCheckableReason: String?
    var firstFailure: CheckFailure?

    var checked: Bool { passed + failed > 0 }

    var status: Status {
        if !declared { return .notDeclared }
        if failed > 0 { return .failed }
        if passed > 0 { return .passed }
        return .notChecked
    }
}

/// The whole verdict: one row per capability Dojo knows, the notes printed once, and the exit status.
struct CheckVerdict: Sendable {
    var capabilities: [CapabilityVerdict]
    /// One line per missing input ("SearchTables is not declared: pass --table-id …"), each said once.
    var notes: [String]
    var conformanceChecks: Int
    var scenarioSteps: Int

    /// Exit statuses of `dojo-sim check` (Docs/simulator.md, "dojo-sim check").
    enum Exit: Int32 {
        /// Every declared capability was checked and passed.
        case passed = 0
        /// A check failed.
        case failed = 1
        /// The agent could not start, connect or register, or an input was invalid.
        case setup = 2
        /// Nothing failed, but a declared capability could not be checked.
        case incomplete = 3
        /// Nothing was checked at all.
        case nothingChecked = 4
    }

    var declared: [CapabilityVerdict] { capabilities.filter(\.declared) }

    var exit: Exit {
        let declared = self.declared
        if declared.contains(where: { $0.failed > 0 }) { return .failed }
        if !declared.contains(where: \.checked) { return .nothingChecked }
        if declared.contains(where: { !$0.checked }) { return .incomplete }
        return .passed
    }

    var summary: String {
        let declared = self.declared
        let passed = declared.filter { $0.status == .passed }.count
        let failed = declared.filter { $0.status == .failed }.count
        let unchecked = declared.filter { $0.status == .notChecked }.count
        let verdict: String
        switch exit {
        case .passed: verdict = "PASSED: every declared capability was checked and passed"
        case .failed: verdict = "FAILED"
        case .incomplete: verdict = "INCOMPLETE: a declared capability could not be checked"
        case .nothingChecked: verdict = "NOTHING CHECKED"
        case .setup: verdict = "SETUP FAILED"
        }
        return "\(verdict) — \(declared.count) declared, \(passed) passed, \(failed) failed, \(unchecked) not "
            + "checked (\(conformanceChecks) conformance checks, \(scenarioSteps) scenario steps)"
    }

    // MARK: - Building

    /// Gathers the conformance report and the scenario report (with the scenarios that produced it) into rows.
    static func build(
        declared: Set<Capability>,
        conformance: ConformanceReport,
        relayLog: RelayLog,
        scenarios: [Scenario],
        scenarioReport: ScenarioReport,
        extraChecks: [(capability: Capability, name: String, failure: CheckFailure?)],
        notes: [String],
        notCheckable: [Capability: String]
    ) -> CheckVerdict {
        var rows = Capability.all.map { CapabilityVerdict(capability: $0, declared: declared.contains($0)) }
        func update(_ capability: Capability, _ change: (inout CapabilityVerdict) -> Void) {
            guard let index = rows.firstIndex(where: { $0.capability == capability }), rows[index].declared else {
                return
            }
            change(&rows[index])
        }
        var checksRun = 0
        for check in conformance.checks {
            guard let capability = capability(ofCheck: check.name) else { continue }
            switch check.outcome {
            case .passed:
                checksRun += 1
                update(capability) { $0.passed += 1 }
            case .failed(let reason):
                checksRun += 1
                let exchange = relayLog.last(of: check.name)
                let failure = CheckFailure(
                    source: check.name,
                    reason: reason,
                    request: exchange?.request,
                    answer: exchange?.answer,
                    rule: VendorRule.forCheck(check.name)
                )
                update(capability) {
                    $0.failed += 1
                    if $0.firstFailure == nil { $0.firstFailure = failure }
                }
            case .skipped(let reason):
                update(capability) { if $0.notCheckableReason == nil { $0.notCheckableReason = reason } }
            }
        }
        var stepsRun = 0
        for (scenario, result) in zip(scenarios, scenarioReport.scenarios) {
            for (step, outcome) in zip(scenario.steps, result.steps) {
                let exercised = capabilities(of: step)
                guard !exercised.isEmpty else { continue }
                switch outcome.status {
                case .passed:
                    stepsRun += 1
                    for capability in exercised { update(capability) { $0.passed += 1 } }
                case .failed:
                    stepsRun += 1
                    // The step's story, split: what Dojo sent (and the POS changes it made), and what came back.
                    let answers = outcome.story.filter { $0.hasPrefix("POS → Dojo") }
                    let requests = outcome.story.filter { !$0.hasPrefix("POS → Dojo") }
                    let failure = CheckFailure(
                        source: "\(result.name): \(outcome.name)",
                        reason: outcome.reason ?? "failed",
                        request: requests.isEmpty ? nil : requests.joined(separator: "\n"),
                        answer: answers.isEmpty ? nil : answers.joined(separator: "\n"),
                        rule: nil
                    )
                    for capability in exercised {
                        update(capability) {
                            $0.failed += 1
                            if $0.firstFailure == nil { $0.firstFailure = failure }
                        }
                    }
                default:
                    continue
                }
            }
        }
        for extra in extraChecks {
            checksRun += 1
            update(extra.capability) {
                if let failure = extra.failure {
                    $0.failed += 1
                    if $0.firstFailure == nil { $0.firstFailure = failure }
                } else {
                    $0.passed += 1
                }
            }
        }
        for (capability, reason) in notCheckable {
            update(capability) { $0.notCheckableReason = reason }
        }
        return CheckVerdict(capabilities: rows, notes: notes, conformanceChecks: checksRun, scenarioSteps: stepsRun)
    }

    /// The capability a conformance check exercises: the Dojo method its name starts with.
    static func capability(ofCheck name: String) -> Capability? {
        let method = name.prefix { $0 != " " && $0 != ":" }
        guard let dojoMethod = DojoMethod(rawValue: String(method)) else { return nil }
        if dojoMethod == .handleEvent {
            return Capability.all.first { $0.method == .handleEvent && name.contains($0.name.dropFirst(12)) }
        }
        return Capability.all.first { $0.method == dojoMethod }
    }

    /// The capabilities a scenario step exercises: what it calls, or the fetch-back of what it notifies.
    static func capabilities(of step: ScenarioStep) -> [Capability] {
        func of(_ method: DojoMethod) -> Capability? { Capability.all.first { $0.method == method } }
        switch step.action {
        case .call(let call): return of(call.method).map { [$0] } ?? []
        case .concurrent(let calls): return Array(Set(calls.compactMap { of($0.method) }))
        case .notify(let type, _), .awaitEvent(let type, _):
            switch type {
            case .reservationUpdated: return [.getReservationByID]
            case .partyUpdated: return [.getPartyByID]
            case .orderUpdated: return [.getOrderByID]
            }
        default: return []
        }
    }

    // MARK: - Rendering

    /// The matrix and the first failures, for a terminal.
    var rendered: String {
        var lines: [String] = []
        for note in notes { lines.append("note: \(note)") }
        if !notes.isEmpty { lines.append("") }
        lines.append(
            "capability".padding(toLength: 43, withPad: " ", startingAt: 0) + "declared  checked  passed  failed  "
                + "verdict"
        )
        for row in capabilities {
            var line = row.capability.name.padding(toLength: 43, withPad: " ", startingAt: 0)
            line += (row.declared ? "yes" : "no").padding(toLength: 10, withPad: " ", startingAt: 0)
            line += (row.checked ? "yes" : "no").padding(toLength: 9, withPad: " ", startingAt: 0)
            line += String(row.passed).padding(toLength: 8, withPad: " ", startingAt: 0)
            line += String(row.failed).padding(toLength: 8, withPad: " ", startingAt: 0)
            line += row.status.rawValue
            if row.status == .notChecked, let why = row.notCheckableReason { line += ": \(why)" }
            lines.append(line)
        }
        let failures = capabilities.compactMap { row in row.firstFailure.map { (row.capability, $0) } }
        for (capability, failure) in failures {
            lines.append("")
            lines.append("✘ \(capability.name) — first failure: \(failure.source)")
            lines.append("  \(failure.reason)")
            if let rule = failure.rule {
                lines.append("  broke rule \(rule.number) (Docs/vendor-guide.md §2): \(rule.text)")
            }
            if let request = failure.request { lines.append("  request: \(request)") }
            if let answer = failure.answer { lines.append("  answer:  \(answer)") }
        }
        lines.append("")
        lines.append(summary)
        return lines.joined(separator: "\n")
    }

    /// The report as Markdown, to attach to a ticket.
    var markdown: String {
        var lines = ["# dojo-sim check", "", "**\(summary)**", ""]
        for note in notes { lines.append("- \(note)") }
        if !notes.isEmpty { lines.append("") }
        lines.append("| Capability | Declared | Checked | Passed | Failed | Verdict |")
        lines.append("|---|---|---|---|---|---|")
        for row in capabilities {
            var verdict = row.status.rawValue
            if row.status == .notChecked, let why = row.notCheckableReason { verdict += ": \(why)" }
            lines.append(
                "| \(row.capability.name) | \(row.declared ? "yes" : "no") | \(row.checked ? "yes" : "no") | "
                    + "\(row.passed) | \(row.failed) | \(verdict.replacingOccurrences(of: "|", with: "\\|")) |"
            )
        }
        for row in capabilities {
            guard let failure = row.firstFailure else { continue }
            lines += ["", "## \(row.capability.name): \(failure.source)", "", failure.reason]
            if let rule = failure.rule {
                lines += ["", "Rule \(rule.number) of `Docs/vendor-guide.md` §2:", "", "> \(rule.text)"]
            }
            if let request = failure.request { lines += ["", "Request:", "", "```", request, "```"] }
            if let answer = failure.answer { lines += ["", "Answer:", "", "```", answer, "```"] }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The report as JSON.
    var jsonValue: JSONValue {
        func optional(_ text: String?) -> JSONValue { text.map(JSONValue.string) ?? .null }
        let rows: [JSONValue] = capabilities.map { row in
            var members: [String: JSONValue] = [
                "capability": .string(row.capability.name),
                "declared": .bool(row.declared),
                "checked": .bool(row.checked),
                "passed": .integer(Int64(row.passed)),
                "failed": .integer(Int64(row.failed)),
                "status": .string(row.status.rawValue),
                "notCheckableReason": optional(row.status == .notChecked ? row.notCheckableReason : nil),
            ]
            if let failure = row.firstFailure {
                members["firstFailure"] = .object([
                    "source": .string(failure.source),
                    "reason": .string(failure.reason),
                    "request": optional(failure.request),
                    "answer": optional(failure.answer),
                    "rule": failure.rule.map {
                        .object(["number": .integer(Int64($0.number)), "text": .string($0.text)])
                    }
                        ?? .null,
                ])
            }
            return .object(members)
        }
        return .object([
            "exitStatus": .integer(Int64(exit.rawValue)),
            "summary": .string(summary),
            "notes": .array(notes.map(JSONValue.string)),
            "capabilities": .array(rows),
        ])
    }

    /// Writes `file` (JSON) and, beside it, the Markdown (`file` with `.md` for its extension).
    func write(to file: String) throws {
        try jsonValue.serialized().write(toFile: file, atomically: true, encoding: .utf8)
        try markdown.write(toFile: Self.markdownPath(for: file), atomically: true, encoding: .utf8)
    }

    static func markdownPath(for file: String) -> String {
        let url = URL(fileURLWithPath: file)
        return url.pathExtension == "md" ? file + ".md" : url.deletingPathExtension().appendingPathExtension("md").path
    }
}
