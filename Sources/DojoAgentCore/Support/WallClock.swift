public import Foundation

/// Wall-clock time for schedules that must survive a restart (the outbox's next-attempt times are stored as
/// dates), and sleeping until such a time.
///
/// Why not `any Clock<Duration>`: a stored schedule needs absolute, persistent instants, which
/// `ContinuousClock.Instant` is not (it restarts with the process). Tests inject a manual clock that records its
/// sleepers and resumes them when advanced, so retry timing is tested without waiting.
public protocol WallClock: Sendable {
    /// The current time.
    var now: Date { get }

    /// Returns at `deadline` (at once if it has passed). Throws `CancellationError` if the task is cancelled.
    func sleep(until deadline: Date) async throws
}

/// The system's wall clock.
public struct SystemWallClock: WallClock {
    public init() {}

    public var now: Date { Date() }

    public func sleep(until deadline: Date) async throws {
        let seconds = deadline.timeIntervalSinceNow
        guard seconds > 0 else { return }
        try await Task.sleep(for: .milliseconds(Int64((seconds * 1000).rounded(.up))))
    }
}

extension Duration {
    /// The duration in seconds, as a `TimeInterval`.
    var timeInterval: TimeInterval {
        let (seconds, attoseconds) = self.components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
