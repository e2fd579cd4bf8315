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
        let parts: URLParts
        do {
            parts = try URLParts(url, plainScheme: "ws", secureScheme: "wss")
        } catch {
            throw WebSocketTransportError(.invalidConfiguration, "invalid WebSocket URL '\(url)': \(error.reason)")
        }
        for header in headers {
            guard HeaderCheck.isValidName(header.name) else {
                throw WebSocketTransportError(.invalidConfiguration, "invalid handshake header name '\(header.name)'")
            }
            guard HeaderCheck.isValidValue(header.value) else {
                throw WebSocketTransportError(
                    .invalidConfiguration,
                    "the value of handshake header '\(header.name)' contains a line break"
                )
            }
        }
        self.isSecure = parts.isSecure
        self.host = parts.host
        self.port = parts.port
        self.path = parts.path
        self.headers = headers
    }

    /// The `Host` header value: the host, plus the port when it is not the scheme's default.
    var hostHeader: String {
        URLParts.hostHeader(host: self.host, port: self.port, isSecure: self.isSecure)
    }

    /// The URL without headers, safe to log.
    public var description: String {
        "\(self.isSecure ? "wss" : "ws")://\(self.hostHeader)\(self.path)"
    }
}
