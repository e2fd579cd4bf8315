/// How the HTTP client behaves. Every field has a production default.
public struct HTTPClientConfiguration: Sendable {
    /// TLS settings for `https://` URLs: the system trust store, or one CA file (the same setting as the
    /// WebSocket, `dojo.ca_file`). Verification cannot be turned off.
    public var tls: TLSConfiguration = .init()

    /// The TCP connect timeout (libwebsockets `connect_timeout_secs`; whole seconds, at least 1). Default 10 s.
    public var connectTimeout: Duration = .seconds(10)

    /// How long libwebsockets waits for each step of the exchange once connected (TLS, response headers;
    /// `timeout_secs`, whole seconds, at least 1). Each request's own `timeout` bounds the whole exchange on top.
    /// Default 10 s.
    public var stepTimeout: Duration = .seconds(10)

    /// At most this many requests are on the wire at once; further `execute` calls wait their turn. Default 8.
    public var maxConcurrentRequests = 8

    /// A larger response body fails the request with `responseTooLarge` (and drops the connection). Default 1 MiB:
    /// Dojo's REST answers are small JSON documents.
    public var maxResponseBodySize = 1 << 20

    /// Queue requests to the same host on one kept-alive connection (libwebsockets `LCCSCF_PIPELINE`) instead of
    /// opening one connection per request. With HTTP/1.1, lws serialises the queued requests on that connection,
    /// so this trades parallelism for fewer TCP and TLS handshakes; see Docs/performance.md for measurements.
    /// Default true.
    public var reuseConnections = true

    public init() {}
}
