public import DojoProtocol

/// The outcome of one step.
public struct StepResult: Sendable {
    /// Passed, failed or skipped.
    public enum Status: String, Sendable, Hashable {
        case passed
        case failed
        case skipped
    }

    /// The step's title.
    public var name: String
    /// Its line in the scenario file.
    public var line: Int?
    /// The verdict.
    public var status: Status
    /// Why it failed or was skipped.
    public var reason: String?
    /// Request to answer (for a POS change: the change to Dojo's fetch-back answer); nil when nothing was sent.
    public var latency: Duration?
    /// The whole step, waits included.
    public var duration: Duration
    /// What happened, in words: what Dojo sent, what the POS answered, what went back.
    public var story: [String]
}

/// The outcome of one scenario.
public struct ScenarioResult: Sendable {
    /// The scenario's title.
    public var name: String
    /// Its file.
    public var file: String?
    /// Its description.
    public var summary: String?
    /// One result per step, in order.
    public var steps: [StepResult]
    /// How long it took.
    public var duration: Duration

    /// Whether no step failed.
    public var passed: Bool { !steps.contains { $0.status == .failed } }
}

/// What a scenario run found: each step with its verdict, reason and latency, plus everything unexpected the
/// simulator saw outside any step.
public struct ScenarioReport: Sendable {
    /// Per scenario.
    public var scenarios: [ScenarioResult]
    /// Failures the simulator recorded that no step claimed (between steps, after the last one).
    public var unattributedFailures: [SimulatorFailure]
    /// The capabilities the agent registered, if it did.
    public var registeredCapabilities: [Capability]?

    /// Creates a report.
    public init(
        scenarios: [ScenarioResult],
        unattributedFailures: [SimulatorFailure] = [],
        registeredCapabilities: [Capability]? = nil
    ) {
        self.scenarios = scenarios
        self.unattributedFailures = unattributedFailures
        self.registeredCapabilities = registeredCapabilities
    }

    /// Whether everything passed: no failed step, no unattributed failure, and at least one step ran.
    public var passed: Bool {
        unattributedFailures.isEmpty && scenarios.allSatisfy(\.passed) && count(.passed) > 0
    }

    /// How many steps have this status.
    public func count(_ status: StepResult.Status) -> Int {
        scenarios.reduce(0) { $0 + $1.steps.filter { $0.status == status }.count }
    }

    /// The report as text: a line per step (`PASS`, `FAIL`, `SKIP`, title, latency), the reason under each
    /// failure or skip, the story under each step when `story` is set, then a summary line.
    public func rendered(story: Bool = false) -> String {
        var lines: [String] = []
        for scenario in scenarios {
            let place = scenario.file.map { " (\($0))" } ?? ""
            lines.append("Scenario: \(scenario.name)\(place)")
            if story, let summary = scenario.summary { lines.append("  \(summary)") }
            for step in scenario.steps {
                let label =
                    switch step.status {
                    case .passed: "PASS"
                    case .failed: "FAIL"
                    case .skipped: "SKIP"
                    }
                let latency = step.latency.map { " " + $0.reportDescription } ?? ""
                let title = step.name.count > 64 ? String(step.name.prefix(63)) + "…" : step.name
                let padding = String(repeating: " ", count: max(1, 66 - title.count))
                lines.append("  \(label) \(title)\(latency.isEmpty ? "" : padding + latency.trimmingWhitespace())")
                if let reason = step.reason, step.status != .passed {
                    let place = step.line.map { "line \($0): " } ?? ""
                    lines.append("       \(place)\(reason)")
                }
                if story {
                    for line in step.story { lines.append("       \(line)") }
                }
            }
        }
        if !unattributedFailures.isEmpty {
            lines.append("Outside any step, the simulator recorded:")
            for failure in unattributedFailures { lines.append("  FAIL \(failure)") }
        }
        let total = scenarios.reduce(Duration.zero) { $0 + $1.duration }
        var summary = "\(count(.passed)) passed, \(count(.failed) + unattributedFailures.count) failed"
        if count(.skipped) > 0 { summary += ", \(count(.skipped)) skipped" }
        summary += " (\(scenarios.count) scenario\(scenarios.count == 1 ? "" : "s") in \(total.reportDescription))"
        lines.append(summary)
        return lines.joined(separator: "\n")
    }

    /// The report as JSON, for tools.
    public var jsonValue: JSONValue {
        .object([
            "passed": .bool(passed),
            "counts": .object([
                "passed": .integer(Int64(count(.passed))),
                "failed": .integer(Int64(count(.failed))),
                "skipped": .integer(Int64(count(.skipped))),
            ]),
            "registeredCapabilities": registeredCapabilities.map { .array($0.map { .string($0.name) }) } ?? .null,
            "unattributedFailures": .array(unattributedFailures.map { .string($0.description) }),
            "scenarios": .array(
                scenarios.map { scenario in
                    .object([
                        "name": .string(scenario.name),
                        "file": scenario.file.map(JSONValue.string) ?? .null,
                        "passed": .bool(scenario.passed),
                        "durationMs": .double(scenario.duration.milliseconds),
                        "steps": .array(
                            scenario.steps.map { step in
                                .object([
                                    "name": .string(step.name),
                                    "line": step.line.map { .integer(Int64($0)) } ?? .null,
                                    "status": .string(step.status.rawValue),
                                    "reason": step.reason.map(JSONValue.string) ?? .null,
                                    "latencyMs": step.latency.map { .double($0.milliseconds) } ?? .null,
                                    "story": .array(step.story.map(JSONValue.string)),
                                ])
                            }
                        ),
                    ])
                }
            ),
        ])
    }
}

extension Duration {
    /// `3.2 ms`, `1.40 s`: latency in a report.
    var reportDescription: String {
        let value = milliseconds
        if value < 1000 {
            let tenths = (value * 10).rounded() / 10
            return "\(tenths) ms"
        }
        let hundredths = (value / 10).rounded() / 100
        return "\(hundredths) s"
    }
}
