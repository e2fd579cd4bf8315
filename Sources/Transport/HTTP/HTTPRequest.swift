/// An HTTP method. A struct with static members so that callers can use any token without the type growing cases.
public struct HTTPMethod: Hashable, Sendable, CustomStringConvertible {
    /// The method token as sent on the wire.
    public let rawValue: String

    /// A method token (upper-case letters by convention).
    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    public static let get = HTTPMethod("GET")
    public static let post = HTTPMethod("POST")
    public static let put = HTTPMethod("PUT")
    public static let delete = HTTPMethod("DELETE")

    public var description: String { self.rawValue }
}

/// One HTTP request: method, absolute URL, headers, body and a deadline for the whole exchange.
///
/// ```swift
/// let request = HTTPRequest(
///     method: .post,
///     url: "https://api.dojo.tech/epos/events",
///     headers: [("Content-Type", "application/json")],
///     body: Array(event.body.utf8),
///     timeout: .seconds(10)
/// )
/// let response = try await client.execute(request)
/// ```
public struct HTTPRequest: Sendable {
    /// The method.
    public var method: HTTPMethod
    /// `http://host[:port]/path[?query]` or `https://…`. Redirects are never followed.
    public var url: String
    /// Headers sent exactly as given, in order (names without `:`). `Host` and `content-length` are added by the
    /// client. Values are never logged.
    public var headers: [(name: String, value: String)]
    /// The request body (sent with `content-length`; empty means no body, but POST and PUT still send
    /// `content-length: 0`).
    public var body: [UInt8]
    /// The deadline for the whole exchange: connect, TLS, send, and the complete response.
    public var timeout: Duration

    public init(
        method: HTTPMethod,
        url: String,
        headers: [(name: String, value: String)] = [],
        body: [UInt8] = [],
        timeout: Duration = .seconds(30)
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

/// A complete HTTP response (never streamed: the client caps the body at
/// ``HTTPClientConfiguration/maxResponseBodySize``).
public struct HTTPResponse: Sendable {
    /// The status code, for example 200. Redirects (3xx) are returned as they are, not followed.
    public var status: Int
    /// The response headers libwebsockets recognises (every standard header, including `retry-after`,
    /// `content-type`, `location`), names in lower case, in no particular order.
    public var headers: [(name: String, value: String)]
    /// The body bytes.
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The value of a header, matched case-insensitively; nil if absent.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return self.headers.first { $0.name.lowercased() == wanted }?.value
    }

    /// The body decoded as UTF-8 (invalid bytes replaced).
    public var bodyText: String { String(decoding: self.body, as: UTF8.self) }

    /// Whether the status is 2xx.
    public var isSuccess: Bool { (200..<300).contains(self.status) }
}
