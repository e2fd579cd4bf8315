// Drives the WebSocket transport from a synchronous main (no `dispatch_main`), so valgrind 3.19 can run it:
// valgrind crashes in libdispatch's signal thread under Swift's async main. Connects to each URL given, echoes
// every message back until the peer closes, and repeats the whole pass `--passes` times.
// Usage: TransportLeakCheck [--passes N] URL...
import Dispatch
import Logging
import Transport

@main
enum TransportLeakCheck {
    static func main() {
        var arguments = Array(CommandLine.arguments.dropFirst())
        var passes = 2
        if arguments.first == "--passes", arguments.count > 1 {
            passes = Int(arguments[1]) ?? 2
            arguments.removeFirst(2)
        }
        let urls = arguments
        var logger = Logger(label: "dojo.transport.leakcheck")
        logger.logLevel = .error
        let configuredLogger = logger
        // Locals, not top-level globals: globals are main-actor isolated and the main thread is blocked below.
        let finished = DispatchSemaphore(value: 0)
        Task.detached {
            await runSessions(urls: urls, passes: passes, logger: configuredLogger)
            finished.signal()
        }
        finished.wait()
        print("transport-leakcheck: \(urls.count * passes) sessions")
    }

    /// Runs every session; the peer closing (or failing) a session ends it.
    static func runSessions(urls: [String], passes: Int, logger: Logger) async {
        for _ in 0..<passes {
            for url in urls {
                do {
                    let endpoint = try WebSocketEndpoint(url: url)
                    try await WebSocketClient.withConnection(to: endpoint, logger: logger) { connection in
                        for try await message in connection.inbound { try await connection.send(message) }
                    }
                } catch {
                    logger.debug("session ended", metadata: ["reason": "\(error)"])
                }
            }
        }
    }
}
