import DojoSimulator
import Foundation
import Testing
import Transport

/// TLS verification with OpenSSL through libwebsockets: a private CA, the system store, and the failures an
/// operator must be able to tell apart.
@Suite(.timeLimit(.minutes(1)))
struct TLSTests {
    /// A generous handshake timeout (a bound on failure for a loaded machine), except where a test expects it.
    private func configuration(caFile: String?, handshakeTimeout: Duration = .seconds(30)) -> WebSocketConfiguration {
        var configuration = WebSocketConfiguration()
        configuration.handshakeTimeout = handshakeTimeout
        configuration.tls = TLSConfiguration(caFile: caFile)
        return configuration
    }

    private func connectError(
        url: String,
        caFile: String?,
        handshakeTimeout: Duration = .seconds(30)
    ) async throws -> WebSocketTransportError {
        let endpoint = try WebSocketEndpoint(url: url)
        return try await #require(throws: WebSocketTransportError.self) {
            try await WebSocketClient.withConnection(
                to: endpoint,
                configuration: self.configuration(caFile: caFile, handshakeTimeout: handshakeTimeout),
                logger: testLogger
            ) { _ in }
        }
    }

    @Test(arguments: ["127.0.0.1", "localhost"])
    func verifiesAgainstTheConfiguredCA(host: String) async throws {
        try await WebSocketPeer.withPeer(configuration: TLSFixture.peer) { peer in
            let endpoint = try WebSocketEndpoint(url: peer.url(host: host))
            #expect(endpoint.isSecure)
            try await WebSocketClient.withConnection(
                to: endpoint,
                configuration: self.configuration(caFile: TLSFixture.path("ca.pem")),
                logger: testLogger
            ) { client in
                let server = try #require(await peer.nextConnection())
                try await client.send(text: "over tls")
                #expect(try await server.receiveText() == "over tls")
            }
        }
    }

    @Test func certificateFromAnotherCAIsRejected() async throws {
        try await WebSocketPeer.withPeer(configuration: TLSFixture.peer) { peer in
            let error = try await self.connectError(url: peer.url(), caFile: TLSFixture.path("other-ca.pem"))
            #expect(error.code == .tlsFailure)
            #expect(error.message.contains("not signed by a CA in the CA file"))
        }
    }

    @Test func certificateForAnotherHostIsRejected() async throws {
        var peerConfiguration = TLSFixture.peer
        peerConfiguration.tls = .init(
            certificateChain: TLSFixture.path("wronghost.pem"),
            privateKey: TLSFixture.path("wronghost.key")
        )
        try await WebSocketPeer.withPeer(configuration: peerConfiguration) { peer in
            let error = try await self.connectError(url: peer.url(), caFile: TLSFixture.path("ca.pem"))
            #expect(error.code == .tlsFailure)
            #expect(error.message.contains("not valid for host '127.0.0.1'"))
        }
    }

    @Test func systemTrustStoreDoesNotTrustThePrivateCA() async throws {
        try await WebSocketPeer.withPeer(configuration: TLSFixture.peer) { peer in
            let error = try await self.connectError(url: peer.url(), caFile: nil)
            #expect(error.code == .tlsFailure)
            #expect(error.message.contains("system trust store"))
        }
    }

    @Test func missingCAFileIsAConfigurationError() async throws {
        let error = try await self.connectError(url: "wss://127.0.0.1:1/", caFile: "/nonexistent/ca.pem")
        #expect(error.code == .invalidConfiguration)
        #expect(error.message == "CA file '/nonexistent/ca.pem' does not exist or is not readable")
    }

    @Test func tlsToAPlainServerFails() async throws {
        try await WebSocketPeer.withPeer(configuration: .quiet) { peer in
            let url = peer.url().replacingOccurrences(of: "ws://", with: "wss://")
            // The plain server never answers the ClientHello: the handshake timeout is what ends it.
            let error = try await self.connectError(
                url: url,
                caFile: TLSFixture.path("ca.pem"),
                handshakeTimeout: .seconds(2)
            )
            #expect(error.code == .tlsFailure || error.code == .connectFailed)
        }
    }

    /// Trap 6 (Docs/transport.md): a TLS context created while another TLS handshake is in flight must neither wait
    /// for that handshake nor break it. The first connection's handshake is held mid-flight by a relay (its
    /// ClientHello sent, no answer yet) while a second client creates its context and connects; then the first is
    /// released and must verify the server as usual. With per-context OpenSSL initialisation the first failed
    /// ("can't get wsi from ssl privdata"); with creation waiting for handshakes in flight the second waited for the
    /// first, which is held until the second is done: the time limit would end the test.
    @Test func aTLSHandshakeInFlightNeitherDelaysNorIsBrokenByAnotherConnection() async throws {
        try await WebSocketPeer.withPeer(configuration: TLSFixture.peer) { peer in
            let relay = try HeldTCPRelay(upstreamPort: peer.port)
            let held = self.configuration(caFile: TLSFixture.path("ca.pem"), handshakeTimeout: .seconds(60))
            let first = Task {
                try await WebSocketClient.withConnection(
                    to: try WebSocketEndpoint(url: "wss://127.0.0.1:\(relay.port)/ws"),
                    configuration: held,
                    logger: testLogger
                ) { client in
                    try await client.send(text: "first")
                }
            }
            await relay.awaitFirstBytes()
            try await WebSocketClient.withConnection(
                to: try WebSocketEndpoint(url: peer.url()),
                configuration: self.configuration(caFile: TLSFixture.path("ca.pem")),
                logger: testLogger
            ) { client in
                try await client.send(text: "second")
            }
            relay.release()
            try await first.value
        }
    }
}
