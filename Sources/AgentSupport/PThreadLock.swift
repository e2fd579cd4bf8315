#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// State shared between the lws service thread and Swift tasks, guarded by a pthread mutex.
///
/// Why not `Synchronization.Mutex`: it is futex-based and invisible to ThreadSanitizer, which then reports
/// false races on everything it protects. A pthread mutex is understood by TSan, and the critical sections here
/// are a few array appends, so the choice costs nothing measurable.
///
/// Public so that the agent core (the outbox publisher, the control socket) uses the same TSan-visible lock instead
/// of a second copy.
public final class PThreadLock<State>: @unchecked Sendable {
    // Safe because every access to `state` happens with `mutex` held; the mutex lives at a stable heap address.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var state: State

    /// Creates a lock protecting `initial`.
    public init(_ initial: State) {
        self.state = initial
        self.mutex = .allocate(capacity: 1)
        // pthread_mutex_init initialises the raw memory itself. (Not `initialize(to: pthread_mutex_t())`: under
        // MemberImportVisibility that zero initialiser is attributed to whichever clang module imported pthread.h
        // first, CLibWebSockets in some compile batches, so the file failed to build depending on batching.)
        let result = pthread_mutex_init(self.mutex, nil)
        precondition(result == 0, "BUG: pthread_mutex_init failed with \(result)")
    }

    deinit {
        pthread_mutex_destroy(self.mutex)
        self.mutex.deallocate()
    }

    /// Runs `body` with the lock held and the state borrowed mutably.
    public func withLock<Result>(_ body: (inout State) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(self.mutex)
        defer { pthread_mutex_unlock(self.mutex) }
        return try body(&self.state)
    }
}
