/// How a WebSocket connection behaves. Every field has a production default.
public struct WebSocketConfiguration: Sendable {
    /// The largest inbound message accepted, in bytes. A larger one closes the connection with 1009 and ends
    /// the inbound sequence with `messageTooBig`. Default 4 MiB (Dojo's search pages can be large).
    public var maxMessageSize: Int = 4 << 20

    /// How often to ping the peer. Default 20 s.
    public var pingInterval: Duration = .seconds(20)

    /// How long after a ping to wait for a pong, or any other inbound frame, before declaring the peer dead and
    /// closing with 1001. Default 10 s, so a dead path is noticed within 30 s.
    public var pongTimeout: Duration = .seconds(10)

    /// The TCP connect timeout (libwebsockets `connect_timeout_secs`; whole seconds, at least 1). Default 10 s.
    public var connectTimeout: Duration = .seconds(10)

    /// How long to wait for the HTTP 101 once TCP (and TLS) is up (libwebsockets `timeout_secs`; whole seconds,
    /// at least 1). Default 10 s.
    public var handshakeTimeout: Duration = .seconds(10)

    /// How long a local close waits for the peer's close frame before the socket is dropped. Default 5 s.
    public var closeTimeout: Duration = .seconds(5)

    /// The payload size of each outbound frame; larger messages are sent as continuation frames. Default 64 KiB.
    public var frameSize: Int = 64 << 10

    /// When this many received messages wait for the consumer, the socket stops being read
    /// (`lws_rx_flow_control`) until the consumer has drained to `inboundLowWatermark`. Default 256 / 64.
    public var inboundHighWatermark: Int = 256
    /// See `inboundHighWatermark`.
    public var inboundLowWatermark: Int = 64

    /// TLS settings for `wss://` URLs.
    public var tls: TLSConfiguration = .init()

    public init() {}
}

/// TLS settings. Verification is always on: there is deliberately no switch that turns it off.
public struct TLSConfiguration: Sendable, Hashable {
    /// A PEM file of CA certificates to trust instead of the system trust store. `nil` (the default) trusts the
    /// system store (`/etc/ssl/certs`). The server certificate must chain to a trusted CA and match the host.
    public var caFile: String?

    public init(caFile: String? = nil) {
        self.caFile = caFile
    }
}
