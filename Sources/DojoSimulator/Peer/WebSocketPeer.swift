import HTTPTypes
public import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HummingbirdWebSocket
public import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL
import ServiceLifecycle

/// A real WebSocket (and HTTP) server on loopback, built on Hummingbird/NIO: an independent stack from the
/// agent's libwebsockets client, so interop bugs cannot hide behind the same library on both ends.
///
/// It records every handshake, hands each accepted connection to the test (`nextConnection`), can reject the
/// next handshake with any HTTP status, and lets the test fragment, close, drop or black-hole a connection.
/// Never linked into `dojo-agent`.
///
/// ```swift
/// try await WebSocketPeer.withPeer { peer in
///     // connect a client to peer.url(), then:
///     let connection = try #require(await peer.nextConnection())
///     #expect(connection.handshake.header("software-house-id") == "acme")
/// }
/// ```
public final class WebSocketPeer: Sendable {
    /// PEM files for `wss://`.
    public struct TLSFiles: Sendable {
        public var certificateChain: String
        public var privateKey: String

        public init(certificateChain: String, privateKey: String) {
            self.certificateChain = certificateChain
            self.privateKey = privateKey
        }
    }

    /// How the peer listens.
    public struct Configuration: Sendable {
        /// Serve TLS with these files; nil for plain `ws://`.
        public var tls: TLSFiles?
        /// The address to bind; loopback by default.
        public var host = "127.0.0.1"
        /// The port; 0 (the default) lets the kernel choose, read it back from `port`.
        public var port = 0
        /// The largest message accepted from a client.
        public var maxMessageSize = 64 << 20
        /// Extra HTTP routes (the simulator's REST endpoints).
        public var routes: (@Sendable (Router<BasicRequestContext>) -> Void)?
        /// Called for each accepted connection before `nextConnection` sees it (the simulator serves it).
        public var onConnection: (@Sendable (PeerConnection) -> Void)?
        /// Decides whether a handshake is accepted: return a rejection to refuse it with that status. Consulted
        /// after the queued `rejectNextHandshake` rejections (the simulator checks the path and credentials here).
        public var authorize: (@Sendable (PeerHandshake) -> PeerRejection?)?
        /// The server's logger.
        public var logger = Logger(label: "dojo.sim.peer")

        public init() {}
    }

    private struct State {
        var port = 0
        var rejections: [(status: Int, body: String)] = []
        var handshakes: [PeerHandshake] = []
        var connections: [PeerConnection] = []
    }

    public let configuration: Configuration
    private let state = NIOLockedValueBox(State())
    private let accepted = AsyncQueue<PeerConnection>()

    private init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// The bound port.
    public var port: Int { self.state.withLockedValue { $0.port } }

    /// `ws://127.0.0.1:<port><path>` (or `wss://`).
    public func url(path: String = "/ws", host: String? = nil) -> String {
        "\(self.configuration.tls == nil ? "ws" : "wss")://\(host ?? self.configuration.host):\(self.port)\(path)"
    }

    /// `http://127.0.0.1:<port>` (or `https://`), for the REST routes.
    public var httpBaseURL: String {
        "\(self.configuration.tls == nil ? "http" : "https")://\(self.configuration.host):\(self.port)"
    }

    /// Makes the next WebSocket handshake fail with this HTTP status (and body).
    public func rejectNextHandshake(status: Int, body: String = "") {
        self.state.withLockedValue { $0.rejections.append((status, body)) }
    }

    /// Every handshake received so far, accepted or rejected, in order.
    public var handshakes: [PeerHandshake] { self.state.withLockedValue { $0.handshakes } }

    /// The next accepted connection, in order; nil once the peer has stopped.
    public func nextConnection() async -> PeerConnection? {
        await self.accepted.next()
    }

    /// Runs a peer for the duration of `body`, then drops every connection and stops the server.
    public static func withPeer<Result: Sendable>(
        configuration: Configuration = .init(),
        _ body: (WebSocketPeer) async throws -> Result
    ) async throws -> Result {
        let peer = WebSocketPeer(configuration: configuration)
        let router = Router(context: BasicRequestContext.self)
        configuration.routes?(router)
        var server = HTTPServerBuilder.http1WebSocketUpgrade(
            configuration: .init(
                ws: .init(
                    maxFrameSize: configuration.maxMessageSize,
                    autoPing: .disabled,
                    closeTimeout: .seconds(2)
                )
            )
        ) { request, channel, _ in
            peer.shouldUpgrade(request: request, channel: channel)
        }
        if let tls = configuration.tls {
            let certificates = try NIOSSLCertificate.fromPEMFile(tls.certificateChain)
            let key = try NIOSSLPrivateKey(file: tls.privateKey, format: .pem)
            server = try .tls(
                server,
                tlsConfiguration: .makeServerConfiguration(
                    certificateChain: certificates.map { .certificate($0) },
                    privateKey: .privateKey(key)
                )
            )
        }
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: configuration.logger
        )
        let group = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [], logger: configuration.logger)
        )
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var portIterator = ports.makeAsyncIterator()
            guard let port = await portIterator.next(), port > 0 else {
                await group.triggerGracefulShutdown()
                throw PeerError("the peer could not bind \(configuration.host):\(configuration.port)")
            }
            peer.state.withLockedValue { $0.port = port }
            let result: Result
            do {
                result = try await body(peer)
            } catch {
                await peer.stop(group)
                try? await tasks.waitForAll()
                throw error
            }
            await peer.stop(group)
            try await tasks.waitForAll()
            return result
        }
    }

    /// Ends `nextConnection` (it returns nil from now on) without stopping the server: the simulator's accept
    /// loop uses it to finish before the peer shuts down.
    func stopAccepting() {
        self.accepted.finish()
    }

    private func stop(_ group: ServiceGroup) async {
        let connections = self.state.withLockedValue { $0.connections }
        for connection in connections { await connection.drop() }
        self.accepted.finish()
        await group.triggerGracefulShutdown()
    }

    private func shouldUpgrade(
        request: HTTPRequest,
        channel: any Channel
    ) -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> {
        // HTTPTypes moves `Host` into the `authority` pseudo-header; put it back first.
        let host = request.authority.map { [(name: "Host", value: $0)] } ?? []
        let handshake = PeerHandshake(
            path: request.path ?? "/",
            headers: host + request.headerFields.map { ($0.name.rawName, $0.value) }
        )
        let queued = self.state.withLockedValue { state -> (status: Int, body: String)? in
            state.handshakes.append(handshake)
            return state.rejections.isEmpty ? nil : state.rejections.removeFirst()
        }
        let rejection = queued ?? self.configuration.authorize?(handshake).map { ($0.status, $0.body) }
        if let rejection {
            // Hummingbird answers every refused upgrade with 400; write the chosen status ourselves, then close.
            RawHTTPResponder.respond(on: channel, status: rejection.status, body: rejection.body)
            return .dontUpgrade
        }
        let readGate = ReadGate()
        do {
            try channel.pipeline.syncOperations.addHandler(readGate, position: .first)
        } catch {
            self.configuration.logger.error("peer could not install its read gate", metadata: ["error": "\(error)"])
        }
        return .upgrade([:]) { inbound, outbound, _ in
            let connection = PeerConnection(
                handshake: handshake,
                channel: channel,
                outbound: outbound,
                readGate: readGate
            )
            try await connection.installSniffer()
            self.state.withLockedValue { $0.connections.append(connection) }
            self.configuration.onConnection?(connection)
            self.accepted.push(connection)
            do {
                for try await message in inbound.messages(maxSize: self.configuration.maxMessageSize) {
                    switch message {
                    case .text(let text): connection.inbox.push(.text(text))
                    case .binary(let buffer): connection.inbox.push(.binary(Array(buffer.readableBytesView)))
                    }
                }
            } catch {
                self.configuration.logger.debug("peer connection ended", metadata: ["error": "\(error)"])
            }
            connection.inbox.finish()
        }
    }
}
