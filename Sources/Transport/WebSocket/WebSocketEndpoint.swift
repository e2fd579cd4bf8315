/// Where to connect: a parsed `ws://` or `wss://` URL plus the handshake headers to send.
public struct WebSocketEndpoint: Sendable, CustomStringConvertible {
    /// Whether the connection uses TLS (`wss://`).
    public var isSecure: Bool
    /// The host name or IP address; also the name the server certificate must match.
    public var host: String
    /// The TCP port (default 80 for ws, 443 for wss).
    public var port: Int
    /// The request target: path and query, starting with `/`.
    public var path: String
    /// Extra headers for the upgrade request, sent exactly as given and in this order (names without `:`).
    /// Values are never logged.
    public var headers: [(name: String, value: String)]

    /// Parses `url` (`ws://host[:port][/path][?query]` or `wss://…`).
    /// - Throws: `WebSocketTransportError` with code `invalidConfiguration` naming what is wrong.
    public init(url: String, headers: [(name: String, value: String)] = []) throws(WebSocketTransportError) {
        func invalid(_ why: String) -> WebSocketTransportError {
            WebSocketTransportError(.invalidConfiguration, "invalid WebSocket URL '\(url)': \(why)")
        }
        let rest: Substring
        if url.hasPrefix("wss://") {
            self.isSecure = true
            rest = url.dropFirst(6)
        } else if url.hasPrefix("ws://") {
            self.isSecure = false
            rest = url.dropFirst(5)
        } else {
            throw invalid("the scheme must be ws:// or wss://")
        }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var target = String(rest[authorityEnd...])
        if target.isEmpty || target.hasPrefix("?") { target = "/" + target }
        guard !authority.isEmpty else { throw invalid("the host is missing") }
        guard !authority.contains("@") else { throw invalid("credentials in the URL are not supported; use headers") }
        var host = Substring(authority)
        var port = self.isSecure ? 443 : 80
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw invalid("unterminated IPv6 address") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") {
                guard let parsed = Int(after.dropFirst()), (1...65535).contains(parsed) else {
                    throw invalid("the port must be a number from 1 to 65535")
                }
                port = parsed
            } else if !after.isEmpty {
                throw invalid("unexpected characters after the IPv6 address")
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            guard let parsed = Int(authority[authority.index(after: colon)...]), (1...65535).contains(parsed) else {
                throw invalid("the port must be a number from 1 to 65535")
            }
            port = parsed
        }
        guard !host.isEmpty else { throw invalid("the host is missing") }
        for header in headers {
            guard !header.name.isEmpty,
                header.name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
            else {
                throw WebSocketTransportError(.invalidConfiguration, "invalid handshake header name '\(header.name)'")
            }
            guard !header.value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) else {
                throw WebSocketTransportError(
                    .invalidConfiguration,
                    "the value of handshake header '\(header.name)' contains a line break"
                )
            }
        }
        self.host = String(host)
        self.port = port
        self.path = target
        self.headers = headers
    }

    /// The `Host` header value: the host, plus the port when it is not the scheme's default.
    var hostHeader: String {
        let defaultPort = self.isSecure ? 443 : 80
        let printable = self.host.contains(":") ? "[\(self.host)]" : self.host
        return self.port == defaultPort ? printable : "\(printable):\(self.port)"
    }

    /// The URL without headers, safe to log.
    public var description: String {
        "\(self.isSecure ? "wss" : "ws")://\(self.hostHeader)\(self.path)"
    }
}
