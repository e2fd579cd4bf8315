import Foundation
import SystemCalls
import Testing

/// `NamedThread`: the name is the kernel's (what `ps -L` and `top -H` show) from the thread's first instruction,
/// every time; Foundation's `Thread.name` lost that race about one time in three.
@Suite(.timeLimit(.minutes(1)))
struct NamedThreadTests {
    @Test(arguments: [
        ("dojo-ctl-conn", "dojo-ctl-conn"),
        // The kernel keeps 15 bytes: longer names are cut, and never inside a character.
        ("dojo-control-connection", "dojo-control-co"),
        ("dojo-ctl-cafés-é", "dojo-ctl-cafés"),
    ])
    func theThreadIsNamedBeforeItsBodyRuns(name: String, seen: String) async throws {
        // Many threads, so a race between naming and running would show.
        for _ in 0..<50 {
            let kernelName = try await withCheckedThrowingContinuation {
                (continuation: CheckedContinuation<String, any Error>) in
                do {
                    try NamedThread.start(name) { continuation.resume(returning: Self.kernelNameOfThisThread()) }
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            #expect(kernelName == seen)
        }
    }

    private static func kernelNameOfThisThread() -> String {
        let text = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
        return text.trimmingCharacters(in: .newlines)
    }
}
