import Logging
import ServiceLifecycle
import Transport

/// Serves the Prometheus metrics (``MetricsExposition``) on `metrics.listen` through a libwebsockets server vhost
/// (``LocalHTTPServer``), until graceful shutdown. `GET /metrics` renders a fresh ``AgentStatusReport``; anything
/// else is a 404. A bind failure (the port is taken) ends the agent with that reason.
struct MetricsService: Service {
    let address: MetricsListenAddress
    let report: @Sendable () async -> AgentStatusReport
    /// Told the bound address (`metrics.listen` with port 0 takes any free port).
    let onListening: @Sendable (MetricsListenAddress) -> Void
    let logger: Logger

    func run() async throws {
        let report = self.report
        try await LocalHTTPServer.withServer(host: self.address.host, port: self.address.port, logger: self.logger) {
            path in
            guard path == "/metrics" else {
                return HTTPServerResponse(status: 404, body: "not found; the metrics are at /metrics\n")
            }
            return HTTPServerResponse(
                status: 200,
                contentType: MetricsExposition.contentType,
                body: MetricsExposition.render(await report())
            )
        } body: { port in
            let bound = MetricsListenAddress(host: self.address.host, port: port)
            self.onListening(bound)
            self.logger.notice("metrics endpoint listening", metadata: ["metrics.url": "http://\(bound)/metrics"])
            try? await gracefulShutdown()
        }
    }
}
