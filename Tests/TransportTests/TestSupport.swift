import Dispatch
import DojoSimulator
import Foundation
import Logging
import Transport

#if canImport(Glibc)
import Glibc
#endif

let testLogger: Logger = {
    var logger = Logger(label: "transport-tests")
    logger.logLevel = .warning
    return logger
}()

/// Paths of the committed TLS test material (see scripts/gen-test-certs).
enum TLSFixture {
    static func path(_ name: String) -> String {
        Bundle.module.url(forResource: "Fixtures/tls/\(name)", withExtension: nil)!.path
    }

    static var peer: WebSocketPeer.Configuration {
        var configuration = WebSocketPeer.Configuration()
        configuration.tls = .init(certificateChain: path("server.pem"), privateKey: path("server.key"))
        configuration.logger = testLogger
        return configuration
    }
}

extension WebSocketPeer.Configuration {
    static var quiet: Self {
        var configuration = Self()
        configuration.logger = testLogger
        return configuration
    }
}

/// Opens a connection to `peer`, hands the test both ends, and closes normally when `body` returns.
func withConnectedPair<Result: Sendable>(
    _ peer: WebSocketPeer,
    path: String = "/ws",
    headers: [(name: String, value: String)] = [],
    configuration: WebSocketConfiguration = .init(),
    _ body: (WebSocketConnection, PeerConnection) async throws -> Result
) async throws -> Result {
    let endpoint = try WebSocketEndpoint(url: peer.url(path: path), headers: headers)
    return try await WebSocketClient.withConnection(to: endpoint, configuration: configuration, logger: testLogger) {
        client in
        guard let server = await peer.nextConnection() else { throw PeerError("the peer saw no connection") }
        return try await body(client, server)
    }
}

struct PeerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A bare TCP listener on 127.0.0.1:0 for handshake failure cases the WebSocket peer cannot produce: a server that
/// accepts and never answers, or one that closes before answering.
final class RawTCPServer: @unchecked Sendable {
    // @unchecked Sendable: `fd` and `port` are immutable after init; the accept thread only reads them.
    enum Behaviour {
        /// Listen but never accept: the kernel completes the TCP handshake and buffers the request; no answer.
        case neverAnswer
        /// Accept, read the request, then close without a response.
        case closeAfterRequest
        /// Bound but never listening: the kernel refuses every connection, and the port stays this server's while
        /// it lives, so no other test's listener can be given it (a port freed and then dialled can be).
        case refuseConnections
    }

    let fd: Int32
    let port: Int
    /// Signalled when the accept thread has finished with `fd`: only then may `fd` be closed, or its number could
    /// be reused by another test's socket while this thread still accepts on it.
    private let acceptThreadDone = DispatchSemaphore(value: 0)
    private let hasAcceptThread: Bool

    init(_ behaviour: Behaviour) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw PeerError("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, behaviour == .refuseConnections || listen(fd, 8) == 0 else {
            throw PeerError("bind/listen failed")
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.fd = fd
        self.port = Int(UInt16(bigEndian: address.sin_port))
        self.hasAcceptThread = behaviour == .closeAfterRequest
        if case .closeAfterRequest = behaviour {
            let done = self.acceptThreadDone
            let thread = Thread { [fd] in
                defer { done.signal() }
                let client = accept(fd, nil, nil)
                guard client >= 0 else { return }
                var buffer = [UInt8](repeating: 0, count: 4096)
                _ = read(client, &buffer, buffer.count)
                close(client)
            }
            thread.start()
        }
    }

    deinit {
        shutdown(self.fd, Int32(SHUT_RDWR))  // wakes a blocked accept
        if self.hasAcceptThread { self.acceptThreadDone.wait() }
        close(self.fd)
    }
}

/// A TCP relay on 127.0.0.1:0 that holds a connection's first bytes until told to go on: it accepts one client,
/// reads what the client sends first (a TLS ClientHello), reports it, and only after `release()` connects to
/// `upstreamPort` and relays both ways. A TLS handshake through it is held in flight for as long as a test needs,
/// with no clock involved.
final class HeldTCPRelay: @unchecked Sendable {
    // @unchecked Sendable: immutable after init except through `lock`; the worker threads own the sockets.
    let port: Int
    private let listener: Int32
    private let received = DispatchSemaphore(value: 0)
    private let released = DispatchSemaphore(value: 0)
    private let done = DispatchGroup()
    private let lock = NSLock()
    private var sockets: [Int32] = []

    init(upstreamPort: Int) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw PeerError("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, listen(fd, 1) == 0 else { throw PeerError("bind/listen failed") }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.listener = fd
        self.port = Int(UInt16(bigEndian: address.sin_port))
        self.done.enter()
        Thread { [self] in
            defer { self.done.leave() }
            let client = accept(fd, nil, nil)
            guard client >= 0 else { return }
            self.track(client)
            var first = [UInt8](repeating: 0, count: 16 << 10)
            let count = read(client, &first, first.count)
            self.received.signal()
            guard count > 0 else { return }
            self.released.wait()
            let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            self.track(upstream)
            var target = sockaddr_in()
            target.sin_family = sa_family_t(AF_INET)
            target.sin_addr.s_addr = inet_addr("127.0.0.1")
            target.sin_port = UInt16(upstreamPort).bigEndian
            let connected = withUnsafePointer(to: &target) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard connected == 0, write(upstream, first, count) == count else { return }
            self.done.enter()
            Thread { [self] in
                defer { self.done.leave() }
                Self.pump(from: upstream, to: client)
            }.start()
            Self.pump(from: client, to: upstream)
        }.start()
    }

    /// Waits until the client's first bytes have arrived (or the relay gave up): its handshake is now in flight.
    func awaitFirstBytes() async {
        await withCheckedContinuation { continuation in
            Thread { [received] in
                received.wait()
                continuation.resume()
            }.start()
        }
    }

    /// Lets the held connection go on to the upstream.
    func release() { self.released.signal() }

    deinit {
        self.released.signal()
        shutdown(self.listener, Int32(SHUT_RDWR))
        for fd in self.lock.withLock({ self.sockets }) { shutdown(fd, Int32(SHUT_RDWR)) }
        self.done.wait()
        for fd in self.sockets { close(fd) }
        close(self.listener)
    }

    private func track(_ fd: Int32) { self.lock.withLock { self.sockets.append(fd) } }

    private static func pump(from source: Int32, to destination: Int32) {
        var buffer = [UInt8](repeating: 0, count: 16 << 10)
        while true {
            let count = read(source, &buffer, buffer.count)
            guard count > 0, write(destination, buffer, count) == count else { break }
        }
        shutdown(destination, Int32(SHUT_WR))
    }
}
