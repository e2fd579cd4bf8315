import HTTPTypes
public import Hummingbird
import NIOConcurrencyHelpers
import NIOCore

/// An HTTP request as a REST route of the peer received it.
public struct RecordedRequest: Sendable {
    /// `POST`, `PUT`, …
    public var method: String
    /// The request target (path and query).
    public var path: String
    /// Every request header, in arrival order, exactly as sent (including `Host`).
    public var headers: [(name: String, value: String)]
    /// The body as text.
    public var body: String

    /// The first value of the header `name` (case-insensitive), if present.
    public func header(_ name: String) -> String? {
        self.headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// What a route answers.
public struct RESTReply: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: String

    public init(status: Int, headers: [(name: String, value: String)] = [], body: String = "") {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Dojo's REST side for tests and benchmarks: records every request to `POST /epos/events` and
/// `PUT /epos/integrations/ws` (plus any other path given) and answers from a script, by default 200 with the
/// request body echoed (what Dojo does).
///
/// ```swift
/// let rest = RecordingRESTEndpoint()
/// var configuration = WebSocketPeer.Configuration()
/// configuration.routes = rest.install
/// try await WebSocketPeer.withPeer(configuration: configuration) { peer in
///     rest.enqueue { _ in RESTReply(status: 500) }        // the next request fails
///     … let request = await rest.requests.next()
/// }
/// ```
public final class RecordingRESTEndpoint: Sendable {
    /// Computes one answer; may suspend (to hold a request in flight until the test lets it go).
    public typealias Responder = @Sendable (RecordedRequest) async -> RESTReply

    /// Every request received, in order of arrival (before it is answered).
    public let requests = AsyncQueue<RecordedRequest>()
    private let script = NIOLockedValueBox<[Responder]>([])
    private let fallback: NIOLockedValueBox<Responder>
    private let extraPaths: [String]

    /// - Parameter extraPaths: more paths (for any method) to record beside the two Dojo endpoints.
    public init(extraPaths: [String] = []) {
        self.extraPaths = extraPaths
        self.fallback = NIOLockedValueBox({ request in
            RESTReply(status: 200, headers: [("Content-Type", "application/json")], body: request.body)
        })
    }

    /// Answers the next request (after earlier scripted ones) with `responder`.
    public func enqueue(_ responder: @escaping Responder) {
        self.script.withLockedValue { $0.append(responder) }
    }

    /// Answers every request not otherwise scripted with `responder`.
    public func setDefault(_ responder: @escaping Responder) {
        self.fallback.withLockedValue { $0 = responder }
    }

    /// Adds the routes to the peer's router (`WebSocketPeer.Configuration.routes`).
    @Sendable public func install(_ router: Router<BasicRequestContext>) {
        router.post("/epos/events") { request, context in try await self.handle(request, context) }
        router.put("/epos/integrations/ws") { request, context in try await self.handle(request, context) }
        for path in self.extraPaths {
            router.on(RouterPath(path), method: .get) { request, context in try await self.handle(request, context) }
            router.on(RouterPath(path), method: .post) { request, context in try await self.handle(request, context) }
        }
    }

    private func handle(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let buffer = try await request.body.collect(upTo: 16 << 20)
        let host = request.head.authority.map { [(name: "Host", value: $0)] } ?? []
        let recorded = RecordedRequest(
            method: request.method.rawValue,
            path: request.uri.description,
            headers: host + request.headers.map { ($0.name.rawName, $0.value) },
            body: String(buffer: buffer)
        )
        self.requests.push(recorded)
        let responder =
            self.script.withLockedValue { $0.isEmpty ? nil : $0.removeFirst() } ?? self.fallback.withLockedValue { $0 }
        let reply = await responder(recorded)
        var fields = HTTPFields()
        for header in reply.headers {
            if let name = HTTPField.Name(header.name) { fields.append(HTTPField(name: name, value: header.value)) }
        }
        return Response(
            status: HTTPResponse.Status(code: reply.status),
            headers: fields,
            body: ResponseBody(byteBuffer: ByteBuffer(string: reply.body))
        )
    }
}
