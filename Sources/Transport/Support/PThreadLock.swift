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
final class PThreadLock<State>: @unchecked Sendable {
    // Safe because every access to `state` happens with `mutex` held; the mutex lives at a stable heap address.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var state: State

    init(_ initial: State) {
        self.state = initial
        self.mutex = .allocate(capacity: 1)
        let result = pthread_mutex_init(self.mutex, nil)
        precondition(result == 0, "BUG: pthread_mutex_init failed with \(result)")
    }

    deinit {
        pthread_mutex_destroy(self.mutex)
        self.mutex.deallocate()
    }

    func withLock<Result>(_ body: (inout State) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(self.mutex)
        defer { pthread_mutex_unlock(self.mutex) }
        return try body(&self.state)
    }
}
