/// The outcome of one conformance check.
public struct ConformanceCheck: Hashable, Sendable, CustomStringConvertible {
    /// What a check concluded.
    public enum Outcome: Hashable, Sendable {
        /// The adapter behaved as required.
        case passed
        /// The adapter did not; the reason says what was expected and what came back.
        case failed(reason: String)
        /// The check did not run, usually because the adapter does not declare a capability it needs.
        case skipped(reason: String)
    }

    /// What was checked, starting with the Dojo method it exercises
    /// (`"UpdatePartyV1 keeps the reservation link"`).
    public var name: String
    /// What happened.
    public var outcome: Outcome

    /// Creates a check result.
    public init(name: String, outcome: Outcome) {
        self.name = name
        self.outcome = outcome
    }

    /// Whether the check failed.
    public var isFailure: Bool {
        if case .failed = outcome { return true }
        return false
    }

    /// Whether the check was skipped.
    public var isSkipped: Bool {
        if case .skipped = outcome { return true }
        return false
    }

    /// `PASS name`, `FAIL name: reason` or `SKIP name: reason`.
    public var description: String {
        switch outcome {
        case .passed: "PASS \(name)"
        case .failed(let reason): "FAIL \(name): \(reason)"
        case .skipped(let reason): "SKIP \(name): \(reason)"
        }
    }
}

/// Everything a conformance run found, in the order the checks ran.
///
/// Print it to see one line per check and a summary; ``isPassing`` is what a CI step should gate on.
public struct ConformanceReport: Hashable, Sendable, CustomStringConvertible {
    /// Every check, in order.
    public var checks: [ConformanceCheck]

    /// Creates a report.
    public init(checks: [ConformanceCheck]) {
        self.checks = checks
    }

    /// The checks that failed.
    public var failures: [ConformanceCheck] { checks.filter(\.isFailure) }

    /// The checks that were skipped.
    public var skipped: [ConformanceCheck] { checks.filter(\.isSkipped) }

    /// Whether no check failed (skipped checks do not count against the adapter).
    public var isPassing: Bool { failures.isEmpty }

    /// The check named `name`, if it ran.
    public func check(named name: String) -> ConformanceCheck? {
        checks.first { $0.name == name }
    }

    /// One line per check, then `conformance: N checks, N passing, N failing, N skipped`.
    public var description: String {
        let passing = checks.count - failures.count - skipped.count
        let summary =
            "conformance: \(checks.count) checks, \(passing) passing, \(failures.count) failing, "
            + "\(skipped.count) skipped"
        return (checks.map(\.description) + [summary]).joined(separator: "\n")
    }
}
