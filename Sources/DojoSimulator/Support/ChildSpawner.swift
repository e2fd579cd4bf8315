import Foundation
import Synchronization

/// Starts child processes from one thread that lives as long as the process.
///
/// Why: the agents the simulator and the tests start run under `setpriv --pdeathsig KILL`, so they die with whoever
/// started them. Linux delivers that signal when the *thread* that forked the child exits, not the process
/// (prctl(2), PR_SET_PDEATHSIG). `Process.run()` forks on the calling thread, and a task's thread is a pool thread
/// that the runtime may retire once it is idle, so an agent started from a task could be killed with SIGKILL
/// mid-test (seen as "exited with status 9" under load). Every start goes through this one thread instead, and it
/// never exits.
public enum ChildSpawner {
    /// Runs `start` (typically `process.run()`) on the spawning thread and returns what it returned or threw.
    public static func run<Value: Sendable>(_ start: @escaping @Sendable () throws -> Value) throws -> Value {
        let result = Mutex<Result<Value, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Self.thread.submit {
            let outcome = Result { try start() }
            result.withLock { $0 = outcome }
            done.signal()
        }
        done.wait()
        return try result.withLock { $0! }.get()
    }

    private static let thread = SpawnerThread()
}

/// The one spawning thread: a queue of jobs and a thread that takes them, forever.
private final class SpawnerThread: Sendable {
    private let jobs = Mutex<[@Sendable () -> Void]>([])
    private let available = DispatchSemaphore(value: 0)

    init() {
        let thread = Thread { [self] in
            while true {
                self.available.wait()
                let job = self.jobs.withLock { $0.removeFirst() }
                job()
            }
        }
        thread.name = "dojo-child-spawner"
        thread.start()
    }

    func submit(_ job: @escaping @Sendable () -> Void) {
        self.jobs.withLock { $0.append(job) }
        self.available.signal()
    }
}
