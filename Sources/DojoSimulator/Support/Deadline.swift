/// Runs `body`, cancelling it and throwing ``SimulatorError/timedOut(_:after:)`` if it has not finished after
/// `timeout`.
///
/// This is the one place the simulator measures time while waiting: it bounds waits for things that should
/// happen (a response, a reconnect), it never replaces waiting for them. Public for drivers built on the simulator
/// (`dojo-chaos`), which bound their own waits the same way.
///
/// - Throws: ``SimulatorError`` (`timedOut`) at the deadline, or what `body` throws.
public func withDeadline<Value: Sendable>(
    _ timeout: Duration,
    waitingFor what: String,
    _ body: @escaping @Sendable () async throws -> Value
) async throws -> Value {
    try await withThrowingTaskGroup(of: Value?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw SimulatorError.timedOut(what, after: timeout)
        }
        return value
    }
}
