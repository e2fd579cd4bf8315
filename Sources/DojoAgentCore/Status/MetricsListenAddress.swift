/// `metrics.listen`: the IPv4 address and port the Prometheus endpoint listens on (`127.0.0.1:9464`).
public struct MetricsListenAddress: Sendable, Hashable, CustomStringConvertible {
    /// A dotted IPv4 address (`localhost` is read as `127.0.0.1`).
    public var host: String
    /// 0 to 65535; 0 takes any free port (tests), which the agent logs.
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port`.
    /// - Throws: a line saying what is wrong with `text`.
    public init(parsing text: String) throws(MetricsListenAddress.ParseError) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else {
            throw ParseError(message: "expected \"host:port\" such as \"127.0.0.1:9464\", got '\(text)'")
        }
        var host = String(text[..<colon])
        if host == "localhost" { host = "127.0.0.1" }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ Int($0).map { (0...255).contains($0) } == true && $0.count <= 3 })
        else {
            throw ParseError(message: "expected an IPv4 address such as 127.0.0.1 before the port, got '\(host)'")
        }
        self.host = host
        self.port = port
    }

    /// 127.0.0.0/8: only this machine can connect.
    public var isLoopback: Bool { self.host.hasPrefix("127.") }

    public var description: String { "\(self.host):\(self.port)" }

    public struct ParseError: Error, Sendable {
        public var message: String
    }
}
