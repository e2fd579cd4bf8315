import Foundation

/// The Prometheus text exposition format (version 0.0.4) of an ``AgentStatusReport``: what the metrics endpoint
/// (`[metrics] listen`) serves at `/metrics`. Every metric is listed in Docs/operations.md, "Metrics".
///
/// Written here rather than through swift-metrics and swift-prometheus (whose 2.x closure, swift-atomics and
/// swift-metrics, would be NIO-free): status and metrics come from one set of figures recorded once per request
/// (``RequestStatistics``), which swift-prometheus' histograms cannot give back for `status`'s p50/p99; and an
/// embeddable agent must not bootstrap the process-wide `MetricsSystem`, which the POS embedding it may own.
public enum MetricsExposition {
    /// `Content-Type` of the body.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The whole body.
    public static func render(_ report: AgentStatusReport) -> String {
        var out = Writer()
        out.family("dojo_agent_build_info", .gauge, "Always 1; the labels say which agent this is.")
        out.sample("dojo_agent_build_info", ["version": report.version], 1)
        out.family("dojo_agent_start_time_seconds", .gauge, "When the agent started, in seconds since the epoch.")
        out.sample("dojo_agent_start_time_seconds", [:], report.startedAt.timeIntervalSince1970)
        out.family("dojo_agent_healthy", .gauge, "1 when dojo-agent status would exit 0, else 0 (degraded).")
        out.sample("dojo_agent_healthy", [:], report.problems.isEmpty ? 1 : 0)

        out.family("dojo_agent_session_up", .gauge, "1 while the WebSocket session to Dojo is open.")
        out.sample("dojo_agent_session_up", [:], report.isConnected ? 1 : 0)
        out.family("dojo_agent_session_connections_total", .counter, "WebSocket sessions to Dojo opened.")
        out.sample("dojo_agent_session_connections_total", [:], Double(report.session.connections))
        out.family("dojo_agent_session_reconnects_total", .counter, "Sessions opened after the first.")
        out.sample("dojo_agent_session_reconnects_total", [:], Double(report.session.reconnects))
        out.family(
            "dojo_agent_session_handshake_rejections_total",
            .counter,
            "WebSocket handshakes Dojo answered with an HTTP status other than 101."
        )
        out.sample("dojo_agent_session_handshake_rejections_total", [:], Double(report.session.handshakeRejections))

        out.family("dojo_agent_requests_total", .counter, "Dojo requests answered, by method and outcome.")
        for method in report.requests {
            for (outcome, count) in method.outcomes {
                out.sample("dojo_agent_requests_total", ["method": method.name, "outcome": outcome], Double(count))
            }
        }
        out.family(
            "dojo_agent_request_duration_seconds",
            .histogram,
            "Time from a request's arrival to its answer, by method."
        )
        for method in report.requests {
            var cumulative: UInt64 = 0
            for (index, count) in method.buckets.enumerated() {
                cumulative += count
                let bound =
                    index < RequestStatistics.bucketBounds.count ? "\(RequestStatistics.bucketBounds[index])" : "+Inf"
                out.sample(
                    "dojo_agent_request_duration_seconds_bucket",
                    ["method": method.name, "le": bound],
                    Double(cumulative)
                )
            }
            out.sample("dojo_agent_request_duration_seconds_sum", ["method": method.name], method.totalSeconds)
            out.sample("dojo_agent_request_duration_seconds_count", ["method": method.name], Double(method.count))
        }

        out.family("dojo_agent_adapter_up", .gauge, "1 while the POS adapter is ready to serve.")
        out.sample("dojo_agent_adapter_up", ["kind": report.adapter.kind], report.adapter.state == "ready" ? 1 : 0)
        out.family("dojo_agent_adapter_restarts_total", .counter, "Adapter processes started after the first.")
        out.sample("dojo_agent_adapter_restarts_total", ["kind": report.adapter.kind], Double(report.adapter.restarts))

        if let outbox = report.outbox {
            out.family("dojo_agent_outbox_pending", .gauge, "POS events waiting to be delivered to Dojo.")
            out.sample("dojo_agent_outbox_pending", [:], Double(outbox.pending))
            out.family("dojo_agent_outbox_dead", .gauge, "Dead-lettered POS events waiting for an operator.")
            out.sample("dojo_agent_outbox_dead", [:], Double(outbox.dead))
            out.family(
                "dojo_agent_outbox_oldest_pending_age_seconds",
                .gauge,
                "Age of the oldest pending POS event; 0 when none is pending."
            )
            out.sample("dojo_agent_outbox_oldest_pending_age_seconds", [:], outbox.oldestPendingAge ?? 0)
        }
        out.family(
            "dojo_agent_outbox_deliveries_total",
            .counter,
            "Event delivery attempts by Dojo's HTTP status; status=\"none\" got no response."
        )
        for (status, count) in report.delivery.attemptsByStatus.sorted(by: { $0.key < $1.key }) {
            out.sample(
                "dojo_agent_outbox_deliveries_total",
                ["status": status == 0 ? "none" : "\(status)"],
                Double(count)
            )
        }
        out.family("dojo_agent_outbox_dead_lettered_total", .counter, "POS events dead-lettered since start.")
        out.sample("dojo_agent_outbox_dead_lettered_total", [:], Double(report.delivery.deadLettered))

        out.family(
            "dojo_agent_registration_ok",
            .gauge,
            "1 when Dojo accepted the capability set wanted now (or registration is disabled)."
        )
        let registration = report.registrationState
        out.sample(
            "dojo_agent_registration_ok",
            [:],
            registration == "registered" || registration == "disabled" ? 1 : 0
        )
        return out.text
    }

    enum Kind: String {
        case counter, gauge, histogram
    }

    /// Accumulates lines; escapes help text and label values as the format requires.
    struct Writer {
        var text = ""

        mutating func family(_ name: String, _ kind: Kind, _ help: String) {
            self.text += "# HELP \(name) \(Self.escape(help, quotes: false))\n# TYPE \(name) \(kind.rawValue)\n"
        }

        mutating func sample(_ name: String, _ labels: [String: String], _ value: Double) {
            self.text += name
            if !labels.isEmpty {
                // `le` last, as Prometheus' own clients write it; the rest sorted (stable output).
                let keys = labels.keys.filter { $0 != "le" }.sorted() + (labels["le"] == nil ? [] : ["le"])
                self.text +=
                    "{" + keys.map { "\($0)=\"\(Self.escape(labels[$0] ?? "", quotes: true))\"" }.joined(separator: ",")
                    + "}"
            }
            self.text += " \(Self.number(value))\n"
        }

        /// Integers without a fraction; others as Swift prints them (which Prometheus' parser reads).
        static func number(_ value: Double) -> String {
            if value.isNaN { return "NaN" }
            if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
            if value == value.rounded(), abs(value) < 1e15 { return "\(Int64(value))" }
            return "\(value)"
        }

        /// `\` → `\\`, newline → `\n`, and in label values `"` → `\"`.
        static func escape(_ text: String, quotes: Bool) -> String {
            var out = ""
            for character in text {
                switch character {
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\"" where quotes: out += "\\\""
                default: out.append(character)
                }
            }
            return out
        }
    }
}
