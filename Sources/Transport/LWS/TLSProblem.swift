import Foundation

/// A TLS failure recognised in the lines libwebsockets logged on a service thread.
///
/// Why from the log: lws 4.1 reports every TLS failure as `CONNECTION_ERROR` with a useless string; the OpenSSL
/// reason ("hostname mismatch", "unable to get local issuer certificate") only appears in its ERR/WARN lines, which
/// `LWSLog` captures per service thread. Shared by the WebSocket and HTTP loops.
struct TLSProblem {
    enum Kind { case hostname, untrusted, expired, other }

    var kind: Kind
    /// The lws line it was recognised in.
    var line: String

    /// The most specific problem in `lines`, or nil if none mentions TLS.
    init?(in lines: [String]) {
        let checks: [(Kind, [String])] = [
            (.hostname, ["hostname mismatch", "Hostname mismatch", "host name mismatch", "IP address mismatch"]),
            (
                .untrusted,
                ["unable to get local issuer", "self signed", "self-signed", "unable to verify the first certificate"]
            ),
            (.expired, ["certificate has expired", "certificate is not yet valid"]),
            (.other, ["SSL", "ssl", "tls", "TLS", "certificate"]),
        ]
        for (kind, needles) in checks {
            if let line = lines.last(where: { line in needles.contains { line.contains($0) } }) {
                self.kind = kind
                self.line = line
                return
            }
        }
        return nil
    }

    /// What went wrong and what to check, for an error message.
    func message(host: String, tls: TLSConfiguration) -> String {
        let trust = tls.caFile.map { "the CA file '\($0)'" } ?? "the system trust store"
        let explanation =
            switch self.kind {
            case .hostname: "the server certificate is not valid for host '\(host)'"
            case .untrusted: "the server certificate is not signed by a CA in \(trust)"
            case .expired: "the server certificate has expired or is not yet valid (check the clock)"
            case .other: "the TLS handshake failed"
            }
        return "\(explanation) (\(self.line))"
    }
}

extension TLSConfiguration {
    /// Why the configured CA file cannot be used, or nil if it is fine (or none is configured).
    ///
    /// Checked before any context is created because lws only logs a missing CA file and then fails every
    /// handshake with an unrelated-looking error.
    func caFileProblem() -> String? {
        guard let path = self.caFile else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            return "CA file '\(path)' does not exist or is not readable"
        }
        guard String(decoding: data, as: UTF8.self).contains("-----BEGIN CERTIFICATE-----") else {
            return "CA file '\(path)' contains no PEM certificate"
        }
        return nil
    }
}
