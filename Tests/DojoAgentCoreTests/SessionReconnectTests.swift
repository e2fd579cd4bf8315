import AgentSupport
import DojoProtocol
import DojoSimulator
import Foundation
import Testing
import Transport

@testable import DojoAgentCore

/// Reconnect policy: auth rejections are surfaced and retried slowly; other failures back off and recover.
@Suite(.timeLimit(.minutes(1)))
struct SessionReconnectTests {
    private func makeSession(
        peer: WebSocketPeer,
        adapter: TestAdapter,
        status: SessionStatus,
        wallClock: any WallClock = SystemWallClock()
    ) throws -> Session<
        ContinuousClock
    > {
        let dispatcher = try makeDispatcher(adapter)
        var session = Session(
            endpoint: try WebSocketEndpoint(url: peer.url(path: "/epos"), headers: [("Authorization", "Basic bad")]),
            webSocket: WebSocketConfiguration(),
            dispatcher: dispatcher,
            status: status,
            clock: ContinuousClock(),
            logger: testLogger
        )
        // Tiny delays so the test needs no waiting; the shape of the policy is what is under test.
        session.reconnectPolicy = .init(initial: .milliseconds(10), maximum: .milliseconds(20))
        session.authPolicy = .init(initial: .milliseconds(30), maximum: .milliseconds(40), minimum: .milliseconds(30))
        session.wallClock = wallClock
        return session
    }

    @Test func authRejectionIsSurfacedInStatusAndRetriedUntilAccepted() async throws {
        try await WebSocketPeer.withPeer(configuration: .quiet) { peer in
            peer.rejectNextHandshake(status: 401, body: "invalid key")
            peer.rejectNextHandshake(status: 403)
            let status = SessionStatus()
            // The times status shows come from the injected wall clock: the next attempt is the auth policy's
            // 30–40 ms after it, and "connected since" is it.
            let wall = SettableWallClock()
            let session = try self.makeSession(peer: peer, adapter: TestAdapter(), status: status, wallClock: wall)
            await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await session.run() }
                var states: [String] = []
                for await snapshot in status.updates() {
                    switch snapshot.state {
                    case .authRejected(let httpStatus, let nextAttempt):
                        states.append("rejected \(httpStatus)")
                        let after = nextAttempt.timeIntervalSince(wall.now)
                        // (Date is a Double of seconds since 2001: ±1 µs of rounding.)
                        #expect(abs(after - 0.035) <= 0.005 + 1e-6, "next attempt \(after) s after the wall clock")
                    case .connected(let since):
                        states.append("connected")
                        #expect(since == wall.now)
                    default: continue
                    }
                    if states.last == "connected" { break }
                }
                #expect(states == ["rejected 401", "rejected 403", "connected"])
                #expect(status.snapshot.lastError?.contains("HTTP 403") == true)
                #expect(status.snapshot.lastError?.contains("Basic bad") == false, "never the credentials")
                #expect(peer.handshakes.count == 3)
                group.cancelAll()
            }
        }
    }

    @Test func failedConnectsBackOffAndRecover() async throws {
        try await WebSocketPeer.withPeer(configuration: .quiet) { peer in
            peer.rejectNextHandshake(status: 503)
            peer.rejectNextHandshake(status: 502)
            let status = SessionStatus()
            let session = try self.makeSession(peer: peer, adapter: TestAdapter(), status: status)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await session.run() }
                let connection = try #require(await peer.nextConnection())
                #expect(peer.handshakes.count == 3)
                let response = try await connection.call(id: "x", method: "SearchTablesV1")
                #expect(response.id?.text == "x")
                #expect(status.snapshot.connections == 1)
                group.cancelAll()
            }
        }
    }
}
