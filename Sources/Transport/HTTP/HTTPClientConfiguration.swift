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

    /// Ask libwebsockets to queue requests to the same host on one kept-alive connection (`LCCSCF_PIPELINE`)
    /// instead of opening one connection per request. Default false: with lws 4.1.6 it gave no reuse for
    /// sequential requests (each still opened its own connection), serialised concurrent ones, and under load
    /// some requests failed to start ("could not start the connection"); see Docs/performance.md.
    public var reuseConnections = false

    public init() {}
}
