import AgentSupport
import CLibWebSockets
import Foundation
import Logging

/// The HTTP(S) client's libwebsockets context on its one long-lived `LWSServiceThread`.
///
/// Threading is `LWSServiceThread`'s (read its invariants first): the service thread is the only caller of lws;
/// Swift tasks `enqueue` a `Command`, the loop drains commands in `EVENT_WAIT_CANCELLED` (and between turns, for its
/// own jobs' commands) and resumes continuations.
///
/// Per request: one client wsi (`lws_client_connect_via_info` with a method), identified in callbacks by its
/// request id in the wsi's opaque user data. Each request finishes exactly once (`finish`), whichever of
/// `COMPLETED_CLIENT_HTTP`, `CLIENT_CONNECTION_ERROR`, `CLOSED_CLIENT_HTTP`, an expiry or a cancellation comes
/// first; later callbacks for its wsi find no request and are ignored.
///
/// libwebsockets 4.1.6 facts this relies on:
/// 1. Header names passed to `lws_add_http_header_by_name` must end with `:`; lws copies them verbatim.
/// 2. A body is sent by calling `lws_client_http_body_pending(wsi, 1)` and `lws_callback_on_writable` from
///    `APPEND_HANDSHAKE_HEADER`, then writing it in `CLIENT_HTTP_WRITEABLE` (last chunk `LWS_WRITE_HTTP_FINAL`) and
///    calling `lws_client_http_body_pending(wsi, 0)`.
/// 3. `RECEIVE_CLIENT_HTTP` only says data is waiting: the body arrives through `lws_http_client_read`, which calls
///    back with `RECEIVE_CLIENT_HTTP_READ`.
/// 4. Redirects are followed unless `LCCSCF_HTTP_NO_FOLLOW_REDIRECT` is set; it always is.
/// 5. Every connection names the context's one vhost, which carries the client `SSL_CTX` (see `LWSContext` for why
///    the context has no default vhost).
final class HTTPLoop: LWSServiceClient, @unchecked Sendable {
    // @unchecked Sendable: immutable fields are set in init; `service` and `statisticsLock` are thread-safe; every
    // other var is confined to the service thread (asserted in debug builds), except `startContinuation`, written
    // once before the thread starts.

    enum Command {
        case start(Request)
        case expire(UInt64)
        case cancel(UInt64)
        /// Fail every running request with `shutdown` and leave the loop (the last command: the queue refuses
        /// others from `shutdown()` on).
        case shutdown
    }

    /// A request and everything lws needs to keep pointing at while it runs. Service-thread confined after
    /// `start`; its C strings are freed when it finishes (lws copies ccinfo strings into the wsi's stash).
    final class Request {
        let id: UInt64
        let parts: URLParts
        let method: String
        let headers: LWSHeaders
        let body: [UInt8]
        var bodyOffset = 0
        var wsi: OpaquePointer?
        var status = 0
        var responseHeaders: [(name: String, value: String)] = []
        var responseBody: [UInt8] = []
        var tooLarge = false
        /// How many lws log lines the thread had captured when this request began.
        var logStart = 0
        let description: String
        private var continuation: CheckedContinuation<HTTPResponse, any Error>?

        init(
            id: UInt64,
            parts: URLParts,
            method: String,
            headers: [(name: String, value: String)],
            body: [UInt8],
            continuation: CheckedContinuation<HTTPResponse, any Error>
        ) {
            self.id = id
            self.parts = parts
            self.method = method
            var all = headers
            if !body.isEmpty || method == "POST" || method == "PUT" || method == "PATCH" {
                all.append((name: "content-length", value: "\(body.count)"))
            }
            self.headers = LWSHeaders(all)
            self.body = body
            self.description = "\(method) \(parts.isSecure ? "https" : "http")://\(parts.hostHeader)\(parts.path)"
            self.continuation = continuation
        }

        var hasBody: Bool { !self.body.isEmpty }

        func resume(_ result: Result<HTTPResponse, any Error>) {
            self.continuation?.resume(with: result)
            self.continuation = nil
        }
    }

    /// Counters for benchmarks and tests.
    struct Statistics {
        var requests = 0
        var connections = 0
    }

    // MARK: - Immutable

    let configuration: HTTPClientConfiguration
    let logger: Logger
    private let service = LWSServiceThread<Command>(name: "lws-http")
    private let statisticsLock = PThreadLock(Statistics())
    private let protocols: UnsafeMutablePointer<lws_protocols>
    private let protocolName: UnsafeMutablePointer<CChar>
    private let caFileC: UnsafeMutablePointer<CChar>?

    // MARK: - Service-thread confined

    private var startContinuation: CheckedContinuation<Void, any Error>?
    private var requests: [UInt64: Request] = [:]
    private var context: OpaquePointer?
    private var vhost: OpaquePointer?
    /// Local ports of connections seen, to count distinct connections (reuse shows as fewer ports than requests).
    private var seenLocalPorts = Set<UInt16>()

    init(configuration: HTTPClientConfiguration, logger: Logger) throws(HTTPClientError) {
        if let problem = configuration.tls.caFileProblem() {
            throw HTTPClientError(.invalidRequest, problem)
        }
        guard configuration.maxConcurrentRequests > 0, configuration.maxResponseBodySize > 0 else {
            throw HTTPClientError(.invalidRequest, "maxConcurrentRequests and maxResponseBodySize must be positive")
        }
        self.configuration = configuration
        self.logger = logger
        self.protocolName = strdup("dojo-http")!
        self.protocols = .allocate(capacity: 2)
        self.protocols.initialize(repeating: lws_protocols(), count: 2)
        self.protocols[0].name = UnsafePointer(self.protocolName)
        self.protocols[0].callback = httpCallback
        self.protocols[0].rx_buffer_size = 16 << 10
        self.caFileC = configuration.tls.caFile.map { strdup($0)! }
    }

    deinit {
        free(self.protocolName)
        if let caFile = self.caFileC { free(caFile) }
        self.protocols.deinitialize(count: 2)
        self.protocols.deallocate()
    }

    var statistics: Statistics { self.statisticsLock.withLock { $0 } }

    /// Completed when the service thread has destroyed its context and is about to return.
    var finished: Completion { self.service.finished }

    // MARK: - Called from Swift tasks

    /// Starts the service thread and returns once the context exists.
    func start() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            // Written before the thread starts; from then on only the service thread touches it.
            self.startContinuation = continuation
            self.service.start(self)
        }
    }

    /// Sends the request and returns its response; throws `HTTPClientError` (or `CancellationError`).
    func perform(id: UInt64, parts: URLParts, request: HTTPRequest) async throws -> HTTPResponse {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPResponse, any Error>) in
                let pending = Request(
                    id: id,
                    parts: parts,
                    method: request.method.rawValue,
                    headers: request.headers,
                    body: request.body,
                    continuation: continuation
                )
                if !self.service.enqueue(.start(pending)) {
                    pending.resume(.failure(HTTPClientError(.shutdown, "the HTTP client is shutting down")))
                }
            }
        } onCancel: {
            self.service.enqueue(.cancel(id))
        }
    }

    /// Fails the request with `timeout` (if it is still running).
    func expire(_ id: UInt64) {
        self.service.enqueue(.expire(id))
    }

    /// Fails every running request with `shutdown` and stops the thread; await `finished` for the end.
    func shutdown() {
        self.service.refuseCommands()
        self.service.enqueue(.shutdown, evenIfRefusing: true)
    }

    // MARK: - Service thread (LWSServiceClient)

    func makeContext() throws(LWSContextError) -> LWSContext {
        var info = LWSContext.clientInfo(protocols: self.protocols, user: self)
        info.timeout_secs = self.configuration.stepTimeout.wholeSecondsAtLeastOne
        info.connect_timeout_secs = self.configuration.connectTimeout.wholeSecondsAtLeastOne
        info.fd_limit_per_thread = UInt32(clamping: 16 + 2 * self.configuration.maxConcurrentRequests)
        // Always able to do TLS: the client is long-lived and may be asked for https:// at any time.
        return try LWSContext(&info, tls: .init(caFile: self.caFileC.map { UnsafePointer($0) }))
    }

    func contextFailed(_ error: LWSContextError) {
        let detail = LWSLog.captured().last.map { " (libwebsockets: \($0))" } ?? ""
        self.startContinuation?.resume(throwing: HTTPClientError(.connectFailed, "\(error.message)\(detail)"))
        self.startContinuation = nil
    }

    func serviceStarted(context: OpaquePointer, vhost: OpaquePointer) {
        self.context = context
        self.vhost = vhost
        self.startContinuation?.resume()
        self.startContinuation = nil
    }

    func serviceStopping(leftover: [Command]) {
        let shutdownError = HTTPClientError(.shutdown, "the HTTP client shut down before the response arrived")
        for case .start(let request) in leftover { request.resume(.failure(shutdownError)) }
        for request in self.requests.values { self.finish(request, .failure(shutdownError)) }
        self.context = nil
    }

    func serviceEnded() {}

    fileprivate func handle(
        _ wsi: OpaquePointer,
        _ reason: lws_callback_reasons,
        _ data: UnsafeMutableRawPointer?,
        _ length: Int
    ) -> Int32 {
        self.service.assertOnServiceThread()
        if reason == LWS_CALLBACK_EVENT_WAIT_CANCELLED {
            self.drainCommands()
            return 0
        }
        let id = UInt64(UInt(bitPattern: lws_get_opaque_user_data(wsi)))
        guard id != 0, let request = self.requests[id] else {
            // A wsi of a request that already finished (expired, cancelled): let lws close it.
            switch reason {
            case LWS_CALLBACK_RECEIVE_CLIENT_HTTP, LWS_CALLBACK_CLIENT_HTTP_WRITEABLE,
                LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP, LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
                return -1
            default:
                return 0
            }
        }
        switch reason {
        case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
            return self.appendHeaders(request, wsi, data, length)
        case LWS_CALLBACK_CLIENT_HTTP_WRITEABLE:
            return self.writeBody(request, wsi)
        case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
            self.established(request, wsi)
        case LWS_CALLBACK_RECEIVE_CLIENT_HTTP:
            // Fact 3: pull the waiting data; it comes back as RECEIVE_CLIENT_HTTP_READ.
            var buffer = [CChar](repeating: 0, count: Int(clws_pre()) + 16 << 10)
            let result = buffer.withUnsafeMutableBufferPointer { bytes -> Int32 in
                var cursor: UnsafeMutablePointer<CChar>? = bytes.baseAddress! + Int(clws_pre())
                var room = Int32(bytes.count - Int(clws_pre()))
                return lws_http_client_read(wsi, &cursor, &room)
            }
            if result < 0 || request.tooLarge { return -1 }
        case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
            if let data, length > 0 {
                if request.responseBody.count + length > self.configuration.maxResponseBodySize {
                    request.tooLarge = true
                    self.finish(
                        request,
                        .failure(
                            HTTPClientError(
                                .responseTooLarge,
                                "the response to \(request.description) exceeds the limit of \(self.configuration.maxResponseBodySize) bytes"
                            )
                        )
                    )
                    return -1
                }
                request.responseBody.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
            }
        case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
            self.statisticsLock.withLock { $0.requests += 1 }
            self.finish(
                request,
                .success(
                    HTTPResponse(status: request.status, headers: request.responseHeaders, body: request.responseBody)
                )
            )
        case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
            let text = data.map { String(cString: $0.assumingMemoryBound(to: CChar.self)) } ?? "unknown error"
            self.finish(request, .failure(self.connectFailure(request, text: text)))
        case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
            self.finish(request, .failure(self.closedFailure(request)))
        default:
            break
        }
        return 0
    }

    func drainCommands() {
        for command in self.service.takeCommands() {
            switch command {
            case .start(let request):
                self.begin(request)
            case .expire(let id):
                guard let request = self.requests[id] else { continue }
                let error = HTTPClientError(
                    .timeout,
                    "no complete response to \(request.description) within the request timeout"
                )
                self.abandon(request, error)
            case .cancel(let id):
                guard let request = self.requests[id] else { continue }
                self.abandon(request, CancellationError())
            case .shutdown:
                let error = HTTPClientError(.shutdown, "the HTTP client shut down before the response arrived")
                for request in Array(self.requests.values) { self.abandon(request, error) }
                self.service.requestExit()
            }
        }
    }

    private func begin(_ request: Request) {
        guard let context = self.context else {
            request.resume(.failure(HTTPClientError(.shutdown, "the HTTP client is shutting down")))
            return
        }
        // lws logs TLS reasons per thread, not per connection: start a fresh capture whenever nothing else is in
        // flight (the buffer is bounded), and let each request read only the lines logged since it began.
        if self.requests.isEmpty { LWSLog.beginCapture() }
        request.logStart = LWSLog.captured().count
        self.requests[request.id] = request
        var flags = Int32(LCCSCF_HTTP_NO_FOLLOW_REDIRECT.rawValue)
        if request.parts.isSecure { flags |= Int32(LCCSCF_USE_SSL.rawValue) }
        if self.configuration.reuseConnections { flags |= Int32(LCCSCF_PIPELINE.rawValue) }
        let started: OpaquePointer? = request.parts.host.withCString { address in
            request.parts.path.withCString { path in
                request.parts.hostHeader.withCString { host in
                    request.method.withCString { method in
                        "http/1.1".withCString { alpn in
                            var info = lws_client_connect_info()
                            info.context = context
                            info.vhost = self.vhost
                            info.address = address
                            info.port = Int32(request.parts.port)
                            info.path = path
                            info.host = host
                            info.origin = host
                            info.method = method
                            info.alpn = alpn
                            info.ssl_connection = flags
                            info.protocol = UnsafePointer(self.protocolName)
                            info.local_protocol_name = UnsafePointer(self.protocolName)
                            info.opaque_user_data = UnsafeMutableRawPointer(bitPattern: UInt(request.id))
                            return lws_client_connect_via_info(&info)
                        }
                    }
                }
            }
        }
        if started == nil, self.requests[request.id] != nil {
            self.finish(
                request,
                .failure(self.connectFailure(request, text: "libwebsockets could not start the connection"))
            )
        }
    }

    private func appendHeaders(
        _ request: Request,
        _ wsi: OpaquePointer,
        _ data: UnsafeMutableRawPointer?,
        _ room: Int
    ) -> Int32 {
        guard let data else { return 0 }
        request.wsi = wsi
        switch request.headers.append(to: wsi, data: data, room: room) {
        case .written:
            break
        case .noBuffer:
            return -1
        case .tooLarge(let name):
            self.finish(
                request,
                .failure(HTTPClientError(.invalidRequest, "the request headers do not fit (header '\(name)')"))
            )
            return -1
        }
        if request.hasBody {
            // Fact 2: ask for CLIENT_HTTP_WRITEABLE once the headers are out.
            lws_client_http_body_pending(wsi, 1)
            lws_callback_on_writable(wsi)
        }
        return 0
    }

    private func writeBody(_ request: Request, _ wsi: OpaquePointer) -> Int32 {
        guard request.hasBody, request.bodyOffset < request.body.count else { return 0 }
        let pre = Int(clws_pre())
        let chunk = min(request.body.count - request.bodyOffset, 4096)
        let isLast = request.bodyOffset + chunk == request.body.count
        var buffer = [UInt8](repeating: 0, count: pre + chunk)
        buffer.withUnsafeMutableBufferPointer { bytes in
            request.body.withUnsafeBufferPointer { body in
                (bytes.baseAddress! + pre).update(from: body.baseAddress! + request.bodyOffset, count: chunk)
            }
        }
        let written = buffer.withUnsafeMutableBufferPointer { bytes in
            lws_write(wsi, bytes.baseAddress! + pre, chunk, isLast ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP)
        }
        if written < 0 { return -1 }
        request.bodyOffset += chunk
        if isLast {
            lws_client_http_body_pending(wsi, 0)
        } else {
            lws_callback_on_writable(wsi)
        }
        return 0
    }

    private func established(_ request: Request, _ wsi: OpaquePointer) {
        request.wsi = wsi
        request.status = Int(lws_http_client_http_response(wsi))
        request.responseHeaders = Self.responseHeaders(wsi)
        self.countConnection(wsi)
    }

    /// Every header lws parsed: lws keeps known headers in token slots; the slot names ending in `:` are real
    /// header names (the others are request lines and internal stash slots).
    private static func responseHeaders(_ wsi: OpaquePointer) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = []
        for index in 0..<WSI_TOKEN_COUNT.rawValue {
            let token = lws_token_indexes(rawValue: index)
            guard let namePointer = lws_token_to_string(token) else { continue }
            let rawName = String(cString: UnsafeRawPointer(namePointer).assumingMemoryBound(to: CChar.self))
            guard rawName.hasSuffix(":"), !rawName.hasPrefix(":") else { continue }
            let length = Int(lws_hdr_total_length(wsi, token))
            guard length > 0 else { continue }
            var value = [CChar](repeating: 0, count: length + 1)
            let copied = value.withUnsafeMutableBufferPointer {
                lws_hdr_copy(wsi, $0.baseAddress, Int32($0.count), token)
            }
            guard copied >= 0 else { continue }
            let bytes = value.prefix(Int(copied)).map { UInt8(bitPattern: $0) }
            headers.append((String(rawName.dropLast()), String(decoding: bytes, as: UTF8.self)))
        }
        return headers
    }

    private func countConnection(_ wsi: OpaquePointer) {
        let fd = lws_get_socket_fd(wsi)
        guard fd >= 0 else { return }
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard result == 0 else { return }
        let port: UInt16 = withUnsafePointer(to: &address) { pointer in
            switch Int32(pointer.pointee.ss_family) {
            case AF_INET:
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
            case AF_INET6:
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    UInt16(bigEndian: $0.pointee.sin6_port)
                }
            default:
                0
            }
        }
        if self.seenLocalPorts.count > 4096 { self.seenLocalPorts.removeAll() }
        if self.seenLocalPorts.insert(port).inserted {
            self.statisticsLock.withLock { $0.connections += 1 }
        }
    }

    /// Finishes a request that lws still has a wsi for: the wsi is killed at the next opportunity.
    private func abandon(_ request: Request, _ error: any Error) {
        let wsi = request.wsi
        self.finish(request, .failure(error))
        if let wsi { clws_kill_async(wsi) }
    }

    /// The single place a request ends (whichever callback, expiry or cancellation comes first).
    private func finish(_ request: Request, _ result: Result<HTTPResponse, any Error>) {
        guard self.requests.removeValue(forKey: request.id) != nil else { return }
        request.resume(result)
    }

    private func connectFailure(_ request: Request, text: String) -> HTTPClientError {
        let lines = Array(LWSLog.captured().dropFirst(request.logStart))
        if request.parts.isSecure, let tls = TLSProblem(in: lines + [text]) {
            return HTTPClientError(.tlsFailure, tls.message(host: request.parts.host, tls: self.configuration.tls))
        }
        if text.contains("timed out") || text.contains("timeout") {
            return HTTPClientError(.connectFailed, "connecting for \(request.description) timed out (\(text))")
        }
        return HTTPClientError(.connectFailed, "could not connect for \(request.description): \(text)")
    }

    private func closedFailure(_ request: Request) -> HTTPClientError {
        if request.status == 0 {
            let lines = Array(LWSLog.captured().dropFirst(request.logStart))
            if request.parts.isSecure, let tls = TLSProblem(in: lines) {
                return HTTPClientError(.tlsFailure, tls.message(host: request.parts.host, tls: self.configuration.tls))
            }
            return HTTPClientError(
                .connectionLost,
                "the connection closed before a response to \(request.description) arrived"
            )
        }
        return HTTPClientError(
            .connectionLost,
            "the connection closed before the response (HTTP \(request.status)) to \(request.description) was complete"
        )
    }
}

/// The one C callback for the HTTP client context. The loop comes back through the context's user pointer (also on
/// `EVENT_WAIT_CANCELLED`'s pseudo-wsi, which has no opaque data).
private func httpCallback(
    _ wsi: OpaquePointer?,
    _ reason: lws_callback_reasons,
    _ user: UnsafeMutableRawPointer?,
    _ data: UnsafeMutableRawPointer?,
    _ length: Int
) -> Int32 {
    guard let wsi, let context = lws_get_context(wsi), let raw = lws_context_user(context) else { return 0 }
    return Unmanaged<HTTPLoop>.fromOpaque(raw).takeUnretainedValue().handle(wsi, reason, data, length)
}
