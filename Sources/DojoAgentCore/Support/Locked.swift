#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Mutable state behind a pthread mutex.
///
/// Why not `Synchronization.Mutex`: it is futex-based and invisible to ThreadSanitizer, which then reports false
/// races; a pthread mutex is understood by TSan. Critical sections here are short and never await.
final class Locked<State>: @unchecked Sendable {
    // Safe: `state` is only touched with `mutex` held; the mutex has a stable heap address.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var state: State

    init(_ initial: State) {
        self.state = initial
        self.mutex = .allocate(capacity: 1)
        pthread_mutex_init(self.mutex, nil)
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
