import DojoProtocol
import Foundation
import Testing

@testable import DojoAgentCore

/// The figures behind `status` and the metrics, without I/O: counting, quantiles, the degraded conditions, the JSON
/// schema's shape and the exposition text.
@Suite struct StatusReportTests {
    @Test func requestsAreCountedByMethodAndOutcomeWithUnknownNamesFolded() {
        let statistics = RequestStatistics()
        statistics.record(method: "SearchTablesV1", outcome: "ok", duration: .microseconds(80))
        statistics.record(method: "SearchTablesV1", outcome: "NotFound", duration: .milliseconds(3))
        statistics.record(method: "SearchTablesV1", outcome: "timeout", duration: .seconds(10))
        statistics.record(method: "NoSuchMethodV9\n", outcome: "Weird", duration: .seconds(30))
        let snapshot = statistics.snapshot
        #expect(snapshot.map(\.name) == ["SearchTablesV1", "other"])
        let tables = snapshot[0]
        #expect(tables.count == 3)
        #expect(tables.errors == 2)
        #expect(tables.outcomes.map(\.outcome) == ["ok", "NotFound", "timeout"])
        #expect(tables.buckets.count == RequestStatistics.bucketBounds.count + 1)
        #expect(tables.buckets[0] == 1, "80 µs falls in the first bucket (≤ 100 µs)")
        #expect(tables.buckets[RequestStatistics.bucketBounds.firstIndex(of: 0.005)!] == 1)
        #expect(tables.buckets[RequestStatistics.bucketBounds.firstIndex(of: 10)!] == 1, "10 s is ≤ 10 s")
        #expect(abs(tables.totalSeconds - 10.00308) < 1e-9)
        #expect(snapshot[1].outcomes.map(\.outcome) == ["other"])
        #expect(snapshot[1].buckets.last == 1, "30 s lands in +Inf")
        #expect(snapshot[1].quantile(0.5) == 10, "a rank in +Inf reports the last finite bound")
    }

    @Test func quantilesInterpolateWithinTheBucket() throws {
        let statistics = RequestStatistics()
        // 100 requests spread over the (1 ms, 2.5 ms] bucket: the median lies in it, half-way by rank.
        for _ in 0..<100 { statistics.record(method: "ListAreasV1", outcome: "ok", duration: .microseconds(1500)) }
        let areas = try #require(statistics.snapshot.first)
        let median = try #require(areas.quantile(0.5))
        #expect(abs(median - 0.00175) < 1e-9)
        #expect(try #require(areas.quantile(0.99)) <= 0.0025)
        #expect(RequestStatistics().snapshot.isEmpty)
    }

    static func report(
        session: SessionStatus.State = .connected(since: Date(timeIntervalSince1970: 1_000)),
        outbox: OutboxStatistics? = OutboxStatistics(pending: 0, dead: 0, oldestPendingAge: nil),
        adapterState: String = "ready",
        registration: Registrar.Status = .init(isEnabled: false)
    ) -> AgentStatusReport {
        let statistics = RequestStatistics()
        statistics.record(method: "GetPartyByIdV1", outcome: "ok", duration: .milliseconds(2))
        statistics.record(method: "GetPartyByIdV1", outcome: "NotFound", duration: .milliseconds(4))
        var delivery = Publisher.Status()
        delivery.attemptsByStatus = [200: 3, 0: 1, 503: 2]
        delivery.delivered = 3
        return AgentStatusReport(
            now: Date(timeIntervalSince1970: 1_060),
            startedAt: Date(timeIntervalSince1970: 1_000),
            pid: 42,
            version: "9.9.9",
            session: SessionStatus.Snapshot(state: session, connections: 2, lastError: "closed by peer: \"bye\"\n"),
            requests: statistics.snapshot,
            adapter: .init(kind: "demo", name: "demo", state: adapterState, description: "demo POS, in process"),
            outbox: outbox,
            delivery: delivery,
            registration: registration,
            watchdog: .init(loops: ["control", "session"], silent: [], lastRoundSecondsAgo: nil)
        )
    }

    @Test func theJSONHasTheDocumentedShape() throws {
        let json = Self.report().json
        #expect(json["schema"] == 1)
        #expect(
            Set(json.keys) == [
                "schema", "agent", "health", "session", "requests", "adapter", "outbox", "registration", "metrics",
                "watchdog",
            ]
        )
        #expect(json["agent"]?["uptimeSeconds"] == .double(60))
        #expect(json["health"]?["state"] == "ok")
        #expect(json["session"]?["state"] == "connected")
        #expect(json["session"]?["reconnects"] == 1)
        let methods = try #require(json["requests"]?["methods"]?.arrayValue)
        #expect(methods.count == 1)
        #expect(methods[0]["method"] == "GetPartyByIdV1")
        #expect(methods[0]["count"] == 2)
        #expect(methods[0]["errors"] == ["NotFound": 1])
        guard case .double(let median)? = methods[0]["p50Ms"] else {
            Issue.record("p50Ms is not a number: \(String(describing: methods[0]["p50Ms"]))")
            return
        }
        #expect(median > 1 && median <= 2.5)
        #expect(json["outbox"]?["oldestPendingSeconds"] == .null, "not applicable is null, never missing")
        #expect(json["watchdog"]?["enabled"] == false)
        #expect(json["metrics"]?["listen"] == .null)
        #expect(AgentStatusReport.iso8601(Date(timeIntervalSince1970: 0.25)) == "1970-01-01T00:00:00.250Z")
    }

    @Test func eachDegradedConditionIsNamed() {
        #expect(Self.report().problems.isEmpty)
        let waiting = Self.report(session: .waiting(until: Date(), reason: "connect failed")).problems
        #expect(waiting.count == 1 && waiting[0].hasPrefix("session: disconnected (connect failed)"))
        #expect(Self.report(adapterState: "restarting").problems == ["adapter: demo POS, in process"])
        let stuck = Self.report(outbox: OutboxStatistics(pending: 3, dead: 2, oldestPendingAge: 301)).problems
        #expect(
            stuck == [
                "outbox: 2 dead-lettered events; see 'dojo-agent queue list'",
                "outbox: the oldest pending event has waited 301 s",
            ]
        )
        var failed = Registrar.Status(isEnabled: true)
        failed.lastError = "HTTP 400"
        #expect(Self.report(registration: failed).problems == ["registration: HTTP 400"])
        #expect(Self.report(registration: failed).registrationState == "failed")
        #expect(Self.report().json["health"]?["state"] == "ok")
        #expect(Self.report(adapterState: "starting").json["health"]?["state"] == "degraded")
    }

    @Test func theExpositionHasEveryFamilyAndEscapesLabels() {
        let text = MetricsExposition.render(Self.report())
        for family in [
            "dojo_agent_build_info", "dojo_agent_session_up", "dojo_agent_session_reconnects_total",
            "dojo_agent_requests_total", "dojo_agent_request_duration_seconds", "dojo_agent_outbox_pending",
            "dojo_agent_outbox_dead", "dojo_agent_outbox_oldest_pending_age_seconds",
            "dojo_agent_outbox_deliveries_total", "dojo_agent_adapter_restarts_total",
        ] {
            #expect(text.contains("# TYPE \(family) "), "\(family)")
        }
        #expect(text.contains("dojo_agent_build_info{version=\"9.9.9\"} 1\n"))
        #expect(text.contains("dojo_agent_requests_total{method=\"GetPartyByIdV1\",outcome=\"NotFound\"} 1\n"))
        #expect(text.contains("dojo_agent_request_duration_seconds_bucket{method=\"GetPartyByIdV1\",le=\"+Inf\"} 2\n"))
        #expect(text.contains("dojo_agent_outbox_deliveries_total{status=\"none\"} 1\n"))
        #expect(text.contains("dojo_agent_outbox_deliveries_total{status=\"503\"} 2\n"))
        #expect(text.hasSuffix("\n"))
        var writer = MetricsExposition.Writer()
        writer.sample("x", ["a": "q\"uote\\back\nline"], 0.5)
        #expect(writer.text == "x{a=\"q\\\"uote\\\\back\\nline\"} 0.5\n")
    }

    @Test func theListenAddressIsIPv4AndNonLoopbackIsRefusedUnlessAllowed() throws {
        #expect(try MetricsListenAddress(parsing: "127.0.0.1:9464") == .init(host: "127.0.0.1", port: 9464))
        #expect(try MetricsListenAddress(parsing: "localhost:0") == .init(host: "127.0.0.1", port: 0))
        for bad in ["9464", "127.0.0.1", "127.0.0.1:99999", "host:1", "[::1]:9464", "1.2.3:4"] {
            #expect(throws: MetricsListenAddress.ParseError.self, "\(bad)") { try MetricsListenAddress(parsing: bad) }
        }
        let refused = #expect(throws: AgentConfigurationError.self) {
            try AgentConfiguration.load(file: nil, environment: [:], overrides: ["metrics.listen": "0.0.0.0:9464"])
        }
        #expect(refused?.key == "metrics.listen")
        #expect(refused?.message.contains("metrics.allow_non_loopback = true") == true)
        let allowed = try AgentConfiguration.load(
            file: nil,
            environment: [:],
            overrides: ["metrics.listen": "0.0.0.0:9464", "metrics.allow_non_loopback": "true"]
        )
        #expect(allowed.configuration.metrics.listen == MetricsListenAddress(host: "0.0.0.0", port: 9464))
        #expect(try AgentConfiguration.load(file: nil, environment: [:]).configuration.metrics.listen == nil)
    }
}
