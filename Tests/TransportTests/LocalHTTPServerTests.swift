import Foundation
import Testing

@testable import Transport

/// The agent's local HTTP endpoint (the Prometheus metrics) on its `LWSServiceThread`, driven by the agent's own
/// lws HTTP client over a real loopback socket.
@Suite(.timeLimit(.minutes(1)))
struct LocalHTTPServerTests {
    @Test func aGetIsRoutedByPathAndOtherMethodsAreRefused() async throws {
        try await LocalHTTPServer.withServer(host: "127.0.0.1", port: 0, logger: testLogger) { path in
            path == "/metrics"
                ? HTTPServerResponse(status: 200, contentType: "text/plain; version=0.0.4", body: "up 1\n")
                : HTTPServerResponse(status: 404, body: "no \(path)\n")
        } body: { port in
            #expect(port > 0)
            try await HTTPClient.withClient(logger: testLogger) { http in
                let base = "http://127.0.0.1:\(port)"
                let metrics = try await http.execute(HTTPRequest(method: .get, url: base + "/metrics?x=1"))
                #expect(metrics.status == 200)
                #expect(String(decoding: metrics.body, as: UTF8.self) == "up 1\n")
                #expect(metrics.headers.contains { $0.name == "content-type" && $0.value.hasPrefix("text/plain") })
                let missing = try await http.execute(HTTPRequest(method: .get, url: base + "/other"))
                #expect(missing.status == 404)
                #expect(String(decoding: missing.body, as: UTF8.self) == "no /other\n")
                let post = try await http.execute(HTTPRequest(method: .post, url: base + "/metrics", body: [1]))
                #expect(post.status == 405)
            }
        }
    }

    @Test func aPortInUseIsAClearErrorAndTheServerStopsWhenTheBodyReturns() async throws {
        let handler: LocalHTTPServer.Handler = { _ in HTTPServerResponse(status: 200, body: "") }
        try await LocalHTTPServer.withServer(host: "127.0.0.1", port: 0, logger: testLogger, handler: handler) {
            port in
            let error = await #expect(throws: HTTPServerError.self) {
                try await LocalHTTPServer.withServer(
                    host: "127.0.0.1",
                    port: port,
                    logger: testLogger,
                    handler: handler
                ) { _ in }
            }
            #expect(
                error?.message.contains("cannot listen on 127.0.0.1:\(port)") == true,
                "\(String(describing: error))"
            )
        }
        // Once withServer has returned, its port is free again: a new server can take it.
        let port = try await LocalHTTPServer.withServer(
            host: "127.0.0.1",
            port: 0,
            logger: testLogger,
            handler: handler
        ) { $0 }
        try await LocalHTTPServer.withServer(host: "127.0.0.1", port: port, logger: testLogger, handler: handler) {
            #expect($0 == port)
        }
    }
}
