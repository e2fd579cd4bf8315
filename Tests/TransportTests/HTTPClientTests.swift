import AgentSupport
import DojoSimulator
import Foundation
import Testing
import Transport

@Suite(.timeLimit(.minutes(1)))
struct HTTPClientTests {
    private func withREST<Result: Sendable>(
        tls: Bool = false,
        _ body: (WebSocketPeer, RecordingRESTEndpoint) async throws -> Result
    ) async throws -> Result {
        let rest = RecordingRESTEndpoint(extraPaths: ["/redirect", "/big", "/slow"])
        var configuration = tls ? TLSFixture.peer : .quiet
        configuration.routes = rest.install
        return try await WebSocketPeer.withPeer(configuration: configuration) { peer in try await body(peer, rest) }
    }

    private var trustingFixtureCA: HTTPClientConfiguration {
        var configuration = HTTPClientConfiguration()
        configuration.tls = TLSConfiguration(caFile: TLSFixture.path("ca.pem"))
        return configuration
    }

    @Test(arguments: [false, true])
    func postSendsMethodHeadersAndBodyAndReturnsTheResponse(tls: Bool) async throws {
        try await self.withREST(tls: tls) { peer, rest in
            rest.enqueue { _ in
                RESTReply(status: 201, headers: [("Retry-After", "7"), ("Content-Type", "text/plain")], body: "made")
            }
            let response = try await HTTPClient.withClient(configuration: self.trustingFixtureCA, logger: testLogger) {
                http in
                try await http.execute(
                    HTTPRequest(
                        method: .post,
                        url: peer.httpBaseURL + "/epos/events",
                        headers: [("Authorization", "Basic sk_test_1"), ("software-house-id", "acme")],
                        body: Array(#"{"a":1}"#.utf8)
                    )
                )
            }
            #expect(response.status == 201)
            #expect(response.bodyText == "made")
            #expect(response.header("retry-after") == "7")
            #expect(response.header("Content-Type") == "text/plain")
            let seen = try #require(await rest.requests.next())
            #expect(seen.method == "POST")
            #expect(seen.path == "/epos/events")
            #expect(seen.body == #"{"a":1}"#)
            #expect(seen.header("authorization") == "Basic sk_test_1")
            #expect(seen.header("software-house-id") == "acme")
            #expect(seen.header("content-length") == "7")
            #expect(seen.header("host") == "127.0.0.1:\(peer.port)")
        }
    }

    @Test
    func untrustedCertificateIsATLSFailureNamingTheCAFile() async throws {
        try await self.withREST(tls: true) { peer, _ in
            var configuration = HTTPClientConfiguration()
            configuration.tls = TLSConfiguration(caFile: TLSFixture.path("other-ca.pem"))
            let error = try await #require(throws: HTTPClientError.self) {
                try await HTTPClient.withClient(configuration: configuration, logger: testLogger) { http in
                    try await http.execute(HTTPRequest(method: .get, url: peer.httpBaseURL + "/redirect"))
                }
            }
            #expect(error.code == .tlsFailure)
            #expect(error.message.contains("not signed by a CA in the CA file"), "\(error)")
        }
    }

    @Test
    func hostnameMismatchIsATLSFailure() async throws {
        var peerConfiguration = WebSocketPeer.Configuration.quiet
        peerConfiguration.tls = .init(
            certificateChain: TLSFixture.path("wronghost.pem"),
            privateKey: TLSFixture.path("wronghost.key")
        )
        try await WebSocketPeer.withPeer(configuration: peerConfiguration) { peer in
            let error = try await #require(throws: HTTPClientError.self) {
                try await HTTPClient.withClient(configuration: self.trustingFixtureCA, logger: testLogger) { http in
                    try await http.execute(HTTPRequest(method: .get, url: peer.httpBaseURL + "/"))
                }
            }
            #expect(error.code == .tlsFailure)
            #expect(error.message.contains("not valid for host '127.0.0.1'"), "\(error)")
        }
    }

    @Test
    func missingCAFileIsRefusedBeforeAnythingStarts() async throws {
        var configuration = HTTPClientConfiguration()
        configuration.tls = TLSConfiguration(caFile: "/nonexistent/ca.pem")
        let error = try await #require(throws: HTTPClientError.self) {
            try await HTTPClient.withClient(configuration: configuration, logger: testLogger) { _ in }
        }
        #expect(error.code == .invalidRequest)
        #expect(error.message == "CA file '/nonexistent/ca.pem' does not exist or is not readable")
    }

    @Test
    func aServerThatNeverAnswersTimesOut() async throws {
        let server = try RawTCPServer(.neverAnswer)
        let error = try await #require(throws: HTTPClientError.self) {
            try await HTTPClient.withClient(logger: testLogger) { http in
                try await http.execute(
                    HTTPRequest(
                        method: .post,
                        url: "http://127.0.0.1:\(server.port)/epos/events",
                        timeout: .milliseconds(300)
                    )
                )
            }
        }
        // Swift may release `server` after its last use above; its listener must stay open until the client is done
        // (a closed listener resets the queued connection: "read failed", not a timeout).
        withExtendedLifetime(server) {}
        #expect(error.code == .timeout)
        #expect(
            error.message
                == "no complete response to POST http://127.0.0.1:\(server.port)/epos/events within the request timeout"
        )
    }

    @Test
    func nothingListeningIsConnectFailed() async throws {
        let refusing = try RawTCPServer(.refuseConnections)
        let error = try await #require(throws: HTTPClientError.self) {
            try await HTTPClient.withClient(logger: testLogger) { http in
                try await http.execute(HTTPRequest(method: .get, url: "http://127.0.0.1:\(refusing.port)/"))
            }
        }
        withExtendedLifetime(refusing) {}
        #expect(error.code == .connectFailed)
    }

    @Test
    func aServerThatClosesWithoutAnsweringIsConnectionLost() async throws {
        let server = try RawTCPServer(.closeAfterRequest)
        let error = try await #require(throws: HTTPClientError.self) {
            try await HTTPClient.withClient(logger: testLogger) { http in
                try await http.execute(HTTPRequest(method: .get, url: "http://127.0.0.1:\(server.port)/"))
            }
        }
        #expect(error.code == .connectionLost || error.code == .connectFailed, "\(error)")
    }

    @Test
    func redirectsAreReturnedNotFollowed() async throws {
        try await self.withREST { peer, rest in
            rest.enqueue { _ in RESTReply(status: 302, headers: [("Location", "http://127.0.0.1:1/elsewhere")]) }
            let response = try await HTTPClient.withClient(logger: testLogger) { http in
                try await http.execute(HTTPRequest(method: .get, url: peer.httpBaseURL + "/redirect"))
            }
            #expect(response.status == 302)
            #expect(response.header("location") == "http://127.0.0.1:1/elsewhere")
        }
    }

    @Test
    func anOversizeResponseIsRefused() async throws {
        try await self.withREST { peer, rest in
            rest.enqueue { _ in RESTReply(status: 200, body: String(repeating: "x", count: 10_000)) }
            var configuration = HTTPClientConfiguration()
            configuration.maxResponseBodySize = 4096
            let error = try await #require(throws: HTTPClientError.self) {
                try await HTTPClient.withClient(configuration: configuration, logger: testLogger) { http in
                    try await http.execute(HTTPRequest(method: .get, url: peer.httpBaseURL + "/big"))
                }
            }
            #expect(error.code == .responseTooLarge)
        }
    }

    @Test
    func invalidURLsAndHeadersAreRefused() async throws {
        try await HTTPClient.withClient(logger: testLogger) { http in
            let scheme = try await #require(throws: HTTPClientError.self) {
                try await http.execute(HTTPRequest(method: .get, url: "ftp://x/"))
            }
            #expect(scheme.message == "invalid URL 'ftp://x/': the scheme must be http:// or https://")
            let header = try await #require(throws: HTTPClientError.self) {
                try await http.execute(HTTPRequest(method: .get, url: "http://x/", headers: [("X", "a\r\nB: c")]))
            }
            #expect(header.code == .invalidRequest)
        }
    }

    @Test(arguments: [false, true])
    func requestsInFlightAreBounded(reuse: Bool) async throws {
        try await self.withREST { peer, rest in
            let gate = AsyncGate()
            let counter = InFlightCounter()
            rest.setDefault { request in
                counter.enter()
                await gate.wait()
                counter.leave()
                return RESTReply(status: 200, body: request.body)
            }
            var configuration = HTTPClientConfiguration()
            configuration.maxConcurrentRequests = 2
            configuration.reuseConnections = reuse
            try await HTTPClient.withClient(configuration: configuration, logger: testLogger) { http in
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for index in 0..<6 {
                        group.addTask {
                            let response = try await http.execute(
                                HTTPRequest(
                                    method: .post,
                                    url: peer.httpBaseURL + "/epos/events",
                                    body: Array("\(index)".utf8)
                                )
                            )
                            return response.status
                        }
                    }
                    // Let the first request(s) in, then open the gate for everyone.
                    _ = await rest.requests.next()
                    gate.open()
                    var statuses: [Int] = []
                    for try await status in group { statuses.append(status) }
                    #expect(statuses == Array(repeating: 200, count: 6))
                }
            }
            #expect(counter.maximum <= 2)
            #expect(counter.maximum >= 1)
        }
    }
}

/// A gate tasks wait at until it is opened (once, for everyone).
final class AsyncGate: Sendable {
    private let state = PThreadLock<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resume: Bool = self.state.withLock { state in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if resume { continuation.resume() }
        }
    }

    func open() {
        let waiters = self.state.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// Counts concurrent entries and remembers the most seen at once.
final class InFlightCounter: Sendable {
    private let state = PThreadLock<(current: Int, maximum: Int)>((0, 0))

    func enter() {
        self.state.withLock {
            $0.current += 1
            $0.maximum = max($0.maximum, $0.current)
        }
    }
    func leave() { self.state.withLock { $0.current -= 1 } }
    var maximum: Int { self.state.withLock { $0.maximum } }
}
