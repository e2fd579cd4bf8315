/// Why a simulator operation failed: a wait that timed out, no agent connected, the connection lost while a
/// request was outstanding, or invalid input (a scenario, a TLS file).
///
/// A struct wrapping a code (house style §3.5), so kinds can be added without breaking callers.
public struct SimulatorError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case timedOut
            case notConnected
            case connectionLost
            case invalidInput
            case setupFailed
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// Something expected did not happen in time.
        public static let timedOut = Code(.timedOut)
        /// No agent session was connected.
        public static let notConnected = Code(.notConnected)
        /// The agent's connection ended while a request was waiting for its answer.
        public static let connectionLost = Code(.connectionLost)
        /// A scenario, a fault or an argument is invalid.
        public static let invalidInput = Code(.invalidInput)
        /// The simulator could not start (TLS material, binding).
        public static let setupFailed = Code(.setupFailed)

        /// The code's name.
        public var description: String {
            switch base {
            case .timedOut: "timedOut"
            case .notConnected: "notConnected"
            case .connectionLost: "connectionLost"
            case .invalidInput: "invalidInput"
            case .setupFailed: "setupFailed"
            }
        }
    }

    /// The kind of failure.
    public let code: Code
    /// What went wrong and, where it helps, what to do.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// A wait for `what` that ended without it.
    public static func timedOut(_ what: String, after timeout: Duration) -> SimulatorError {
        SimulatorError(.timedOut, "timed out after \(timeout.shortDescription) waiting for \(what)")
    }

    /// The message.
    public var description: String { message }
}

extension Duration {
    /// `250ms`, `2s`, `1.5s`: for reports and messages.
    public var shortDescription: String {
        let milliseconds = Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
        if milliseconds < 1000 {
            return milliseconds == milliseconds.rounded() ? "\(Int(milliseconds))ms" : "\(rounded(milliseconds, 1))ms"
        }
        let seconds = milliseconds / 1000
        return seconds == seconds.rounded() ? "\(Int(seconds))s" : "\(rounded(seconds, 2))s"
    }

    /// The duration in milliseconds, as a floating-point number.
    public var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }

    /// Parses `250ms`, `2s`, `1.5s`, `1m`, or a bare number of seconds.
    public init?(parsing text: String) {
        let trimmed = text.trimmingWhitespace()
        let units: [(suffix: String, scale: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for unit in units where trimmed.hasSuffix(unit.suffix) {
            guard let value = Double(trimmed.dropLast(unit.suffix.count)), value >= 0, value.isFinite else {
                return nil
            }
            self = .milliseconds(Int64((value * unit.scale * 1000).rounded()))
            return
        }
        guard let value = Double(trimmed), value >= 0, value.isFinite else { return nil }
        self = .milliseconds(Int64((value * 1000).rounded()))
    }
}

private func rounded(_ value: Double, _ places: Int) -> String {
    var scale = 1.0
    for _ in 0..<places { scale *= 10 }
    let scaled = (value * scale).rounded() / scale
    return "\(scaled)"
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
