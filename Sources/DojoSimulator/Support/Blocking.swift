import Foundation

/// Runs blocking work (a child process to completion, key generation) on a thread of its own and awaits it.
///
/// Why: the cooperative pool has one thread per core (two on the build machines). Work that blocks one of them
/// for seconds (`openssl genrsa`, `systemd-analyze security`) starves every task in the process meanwhile: the
/// simulator stops answering pings, and a test elsewhere in the suite sees a dead link that is not there.
public func offThePool<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}
