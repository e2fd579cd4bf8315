import DojoAgentCore
import DojoProcessAdapter
import DojoProtocol
import Foundation

/// Small Python adapters written for one test each: a shared harness speaking the protocol, plus a snippet that
/// redefines what the test needs (`handle`, `initialize_result`, `after_initialize`, `on_response`, `on_eof`).
enum ScriptedAdapter {
    static let harness = #"""
        import json, os, signal, sys, time

        CAPABILITIES = ["CreateReservation", "GetReservationById", "UpdateReservation", "SearchTables"]
        RESERVATION = {"id": "res-1", "name": "Martin B.", "covers": 4, "startTime": "2024-08-12T09:30:00.000Z",
                       "endTime": "2024-08-12T11:00:00.000Z", "tableIds": ["table-1"]}
        NO_REPLY = object()

        class Error:
            def __init__(self, body):
                self.body = body

        def send(message):
            sys.stdout.write(json.dumps(dict({"jsonrpc": "2.0"}, **message)) + "\n")
            sys.stdout.flush()

        def log(text):
            print(text, file=sys.stderr, flush=True)

        def initialize_result(params):
            return {"protocolVersion": "1", "adapter": {"name": "scripted", "version": "0.0.1"},
                    "capabilities": CAPABILITIES}

        def after_initialize():
            pass

        def on_response(message):
            pass

        def on_eof():
            log("stdin closed, exiting")

        def handle(method, params, message):
            if method in ("ping", "shutdown"):
                return {}
            if method == "GetReservationByIdV1":
                return dict(RESERVATION, id=params["reservationId"])
            return Error({"code": -32601, "message": "method not found: " + method})

        # ---- the test's snippet ----
        SNIPPET

        for line in sys.stdin:
            message = json.loads(line)
            if "method" not in message:
                on_response(message)
                continue
            if message["method"] == "initialize":
                send({"id": message["id"], "result": initialize_result(message["params"])})
                after_initialize()
                continue
            result = handle(message["method"], message.get("params") or {}, message)
            if result is NO_REPLY or "id" not in message:
                continue
            if isinstance(result, Error):
                send({"id": message["id"], "error": result.body})
            else:
                send({"id": message["id"], "result": result})
        on_eof()
        """#

    /// Writes the harness with `snippet` into `directory`; returns the command that runs it.
    static func command(_ snippet: String, in directory: String) throws -> [String] {
        let source = harness.replacingOccurrences(of: "SNIPPET", with: snippet)
        let path = try writeScript(source, named: "scripted-\(UUID().uuidString.prefix(8)).py", in: directory)
        return ["python3", "-u", path]
    }
}

/// What a test's `publish` closure saw, and a gate to hold it.
final class PublishedEvents: Sendable {
    private struct Gates {
        var held: Set<String> = []
        var waiting: [String: CheckedContinuation<Void, Never>] = [:]
    }

    private let seen: AsyncStream<PosEvent>
    private let sink: AsyncStream<PosEvent>.Continuation
    private let gates = TestLock(Gates())

    init() {
        (seen, sink) = AsyncStream.makeStream(of: PosEvent.self)
    }

    /// Events for entity `id` wait in the publisher until ``release(_:)``.
    func hold(_ id: String) {
        _ = gates.withLock { $0.held.insert(id) }
    }

    func release(_ id: String) {
        let waiting = gates.withLock { gates in
            gates.held.remove(id)
            return gates.waiting.removeValue(forKey: id)
        }
        waiting?.resume()
    }

    /// The publisher: records the event, waits while held, throws for entity ids starting with `fail`.
    var publisher: ProcessAdapter.EventPublisher {
        { event in
            self.sink.yield(event)
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let wait = self.gates.withLock { gates in
                    guard gates.held.contains(event.entityID) else { return false }
                    gates.waiting[event.entityID] = continuation
                    return true
                }
                if !wait { continuation.resume() }
            }
            if event.entityID.hasPrefix("fail") { throw OutboxFull() }
        }
    }

    struct OutboxFull: Error, CustomStringConvertible {
        var description: String { "outbox full" }
    }

    /// The next `count` events published.
    func next(_ count: Int) async -> [PosEvent] {
        var events: [PosEvent] = []
        for await event in seen {
            events.append(event)
            if events.count == count { break }
        }
        return events
    }
}
