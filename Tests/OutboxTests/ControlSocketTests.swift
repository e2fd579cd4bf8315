import DojoAgentCore
import DojoProtocol
import DojoSimulator
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.timeLimit(.minutes(1)))
struct ControlSocketTests {
    /// Runs a control server with `notify` on a fresh outbox; hands the test the socket path and the outbox.
    private func withServer<Result: Sendable>(
        _ body: (String, Outbox) async throws -> Result
    ) async throws -> Result {
        try await withTemporaryDirectory { directory in
            let state = "\(directory)/state"
            let outbox = try Outbox.open(path: "\(directory)/outbox.sqlite", logger: testLogger)
            let socket = "\(state)/control.sock"
            let listening = AsyncQueue<Void>()
            let server = ControlServer(
                socketPath: socket,
                handlers: ["notify": ControlCommands.notify(outbox: outbox)],
                logger: testLogger,
                onListening: { listening.push(()) }
            )
            return try await whileRunning({ try await server.run() }) {
                await listening.next()
                return try await body(socket, outbox)
            }
        }
    }

    @Test
    func notifyStoresTheEventBeforeAnsweringOK() async throws {
        try await self.withServer { socket, outbox in
            let client = ControlClient(socketPath: socket)
            let response = try await client.send(
                ControlRequest(command: "notify", fields: ["eventType": "OrderUpdated", "id": "ord-9"])
            )
            #expect(response == .success())
            #expect(try await outbox.pendingEntries().map(\.event) == [event(.orderUpdated, "ord-9")])
        }
    }

    @Test(arguments: [
        (
            ["eventType": "TableUpdated", "id": "1"] as [String: JSONValue],
            "unknown POS event type \"TableUpdated\"; expected one of OrderUpdated, PartyUpdated, ReservationUpdated"
        ),
        (["eventType": "OrderUpdated", "id": ""], "entity id must not be empty"),
        (
            ["eventType": "OrderUpdated", "id": .string(String(repeating: "x", count: 257))],
            "entity id is 257 bytes long; the maximum is 256"
        ),
        (["eventType": "OrderUpdated"], "notify needs an \"id\" string"),
        (["id": "1"], "notify needs an \"eventType\" string (OrderUpdated, PartyUpdated or ReservationUpdated)"),
    ])
    func badInputIsRefusedAndNothingIsStored(fields: [String: JSONValue], message: String) async throws {
        try await self.withServer { socket, outbox in
            let response = try await ControlClient(socketPath: socket).send(
                ControlRequest(command: "notify", fields: fields)
            )
            #expect(response == .failure(message))
            #expect(try await outbox.statistics().pending == 0)
        }
    }

    @Test
    func unknownCommandsAndMalformedLinesGetAClearAnswer() async throws {
        try await self.withServer { socket, _ in
            let unknown = try await ControlClient(socketPath: socket).send(ControlRequest(command: "reboot"))
            #expect(unknown == .failure("unknown command \"reboot\"; this agent understands: notify"))
            let fd = try #require(rawConnect(socket))
            defer { close(fd) }
            #expect(writeAll(fd, "not json\n{\"command\":\"notify\",\"eventType\":\"PartyUpdated\",\"id\":\"p\"}\n"))
            let lines = await onThread { readLines(fd, count: 2) }
            #expect(lines.count == 2)
            #expect(lines.first?.hasPrefix(#"{"error":"the request is not valid JSON"#) == true)
            #expect(lines.last == #"{"ok":true}"#)
        }
    }

    @Test
    func aRunawayRequestIsRefusedWithoutWaitingForItsEnd() async throws {
        try await self.withServer { socket, _ in
            let fd = try #require(rawConnect(socket))
            defer { close(fd) }
            // 64 KiB and more, and no newline: answered at once (the framer knows the line is over the limit),
            // then the connection closes.
            #expect(writeAll(fd, String(repeating: "x", count: (64 << 10) + 4096)))
            let lines = await onThread { readLines(fd, count: 2) }
            #expect(lines == [#"{"error":"request longer than 65536 bytes","ok":false}"#])
        }
    }

    @Test
    func theSocketIsOwnerOnlyInAnOwnerOnlyDirectory() async throws {
        try await self.withServer { socket, _ in
            var info = stat()
            #expect(stat(socket, &info) == 0)
            #expect(info.st_mode & 0o777 == 0o600)
            #expect(stat((socket as NSString).deletingLastPathComponent, &info) == 0)
            #expect(info.st_mode & 0o777 == 0o700)
        }
    }

    @Test
    func whenNothingListensTheClientSaysTheAgentIsNotRunning() async throws {
        try await withTemporaryDirectory { directory in
            let error = try await #require(throws: ControlError.self) {
                try await ControlClient(socketPath: "\(directory)/control.sock").send(ControlRequest(command: "notify"))
            }
            #expect(error.code == .agentNotRunning)
            #expect(
                error.message
                    == "the agent is not running: nothing listens on \(directory)/control.sock (No such file or directory)"
            )
        }
    }

    @Test
    func aStaleSocketFileIsReplaced() async throws {
        try await withTemporaryDirectory { directory in
            let socket = "\(directory)/control.sock"
            // A socket file nobody listens on: what a killed agent leaves behind.
            let fd = socketFD()
            _ = bindUnix(fd, socket)
            close(fd)
            let outbox = try Outbox.open(path: "\(directory)/outbox.sqlite", logger: testLogger)
            let listening = AsyncQueue<Void>()
            let server = ControlServer(
                socketPath: socket,
                handlers: ["notify": ControlCommands.notify(outbox: outbox)],
                logger: testLogger,
                onListening: { listening.push(()) }
            )
            try await whileRunning({ try await server.run() }) {
                await listening.next()
                let response = try await ControlClient(socketPath: socket).send(
                    ControlRequest(command: "notify", fields: ["eventType": "PartyUpdated", "id": "p1"])
                )
                #expect(response.isOK)
            }
        }
    }

    @Test
    func aSecondServerOnTheSameSocketRefusesToStart() async throws {
        try await self.withServer { socket, outbox in
            let second = ControlServer(
                socketPath: socket,
                handlers: ["notify": ControlCommands.notify(outbox: outbox)],
                logger: testLogger
            )
            let error = try await #require(throws: ControlError.self) { try await second.run() }
            #expect(error.code == .alreadyRunning)
        }
    }
}

func socketFD() -> Int32 { socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0) }

func withUnixAddress<R>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        raw.copyBytes(from: bytes)
        raw[bytes.count] = 0
    }
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
}

func bindUnix(_ fd: Int32, _ path: String) -> Int32 { withUnixAddress(path) { bind(fd, $0, $1) } }

func rawConnect(_ path: String) -> Int32? {
    let fd = socketFD()
    if withUnixAddress(path, { connect(fd, $0, $1) }) == 0 { return fd }
    close(fd)
    return nil
}

func writeAll(_ fd: Int32, _ text: String) -> Bool {
    let bytes = Array(text.utf8)
    return bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) } == bytes.count
}

func readLines(_ fd: Int32, count: Int) -> [String] {
    var buffer: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while buffer.filter({ $0 == UInt8(ascii: "\n") }).count < count {
        let read = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if read <= 0 { break }
        buffer.append(contentsOf: chunk[..<read])
    }
    return String(decoding: buffer, as: UTF8.self).split(separator: "\n").map(String.init)
}
