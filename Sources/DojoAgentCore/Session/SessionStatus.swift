import AgentSupport
public import Foundation
import Transport

/// What the session is doing now, for `dojo-agent status`, systemd's `STATUS=` and tests. Thread-safe.
public final class SessionStatus: Sendable {
    /// The session's state.
    public enum State: Sendable, Equatable, CustomStringConvertible {
        case starting
        /// Not connecting to Dojo until the adapter is ready to serve (a process adapter before `initialize`).
        case waitingForAdapter(String)
        case connecting(attempt: Int)
        case connected(since: Date)
        /// Waiting before the next attempt, after `reason`.
        case waiting(until: Date, reason: String)
        /// Dojo refused the credentials (HTTP 401/403); retrying slowly.
        case authRejected(httpStatus: Int, nextAttempt: Date)
        case stopped

        public var description: String {
            switch self {
            case .starting: "starting"
            case .waitingForAdapter(let adapter): "waiting for the adapter before connecting to Dojo (\(adapter))"
            case .connecting(let attempt): "connecting (attempt \(attempt))"
            case .connected(let since): "connected since \(since)"
            case .waiting(let until, let reason): "disconnected (\(reason)); retrying at \(until)"
            case .authRejected(let status, let next):
                "Dojo rejected the credentials (HTTP \(status)); check dojo.api_key and dojo.software_house_id;"
                    + " retrying at \(next)"
            case .stopped: "stopped"
            }
        }
    }

    /// A consistent copy of the status.
    public struct Snapshot: Sendable, Equatable {
        public var state: State
        /// Successful connections since start.
        public var connections: Int
        /// Why the last connection ended, if one did.
        public var lastError: String?

        public init(state: State, connections: Int, lastError: String?) {
            self.state = state
            self.connections = connections
            self.lastError = lastError
        }
    }

    private let state = PThreadLock(Snapshot(state: .starting, connections: 0, lastError: nil))
    private let changes = PThreadLock<[UInt64: AsyncStream<Snapshot>.Continuation]>([:])
    private let nextObserver = PThreadLock<UInt64>(0)

    public init() {}

    public var snapshot: Snapshot { self.state.withLock { $0 } }

    /// Every change from now on (the current state first).
    public func updates() -> AsyncStream<Snapshot> {
        let (stream, continuation) = AsyncStream.makeStream(of: Snapshot.self, bufferingPolicy: .unbounded)
        let id = self.nextObserver.withLock { id in
            id += 1
            return id
        }
        self.changes.withLock { $0[id] = continuation }
        continuation.onTermination = { [weak self] _ in
            _ = self?.changes.withLock { $0.removeValue(forKey: id) }
        }
        continuation.yield(self.snapshot)
        return stream
    }

    func update(_ body: (inout Snapshot) -> Void) {
        let snapshot = self.state.withLock { state in
            body(&state)
            return state
        }
        for continuation in self.changes.withLock({ Array($0.values) }) { continuation.yield(snapshot) }
    }
}
