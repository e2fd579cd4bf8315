import AgentSupport
import CLibWebSockets
import Foundation
public import Logging

#if canImport(Glibc)
import Glibc
#endif

/// One answer of a ``LocalHTTPServer``.
public struct HTTPServerResponse: Sendable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]

    public init(status: Int, contentType: String = "text/plain; charset=utf-8", body: String) {
        self.status = status
        self.contentType = contentType
        self.body = Array(body.utf8)
    }
}

/// A small HTTP/1.1 server for the agent's local endpoints (the Prometheus metrics), on a libwebsockets server
/// vhost: lws parses the requests and writes the responses, this type only routes a GET's path to `handler`
/// (`405` for another method). Keep-alive works as lws does it. Not for the internet: no TLS, no request bodies.
///
/// ```swift
/// try await LocalHTTPServer.withServer(host: "127.0.0.1", port: 9464, logger: logger) { path in
///     path == "/metrics" ? HTTPServerResponse(status: 200, body: render()) : HTTPServerResponse(status: 404, body: "")
/// } body: { port in
///     try await gracefulShutdown()
/// }
/// ```
public enum LocalHTTPServer {
    /// Answers a GET for `path` (the request target without the query). Runs as a task of its own; may await.
    public typealias Handler = @Sendable (_ path: String) async -> HTTPServerResponse

    /// Listens on `host:port` (port 0: any free port) while `body` runs, with the bound port; stops listening and
    /// closes every connection when it returns.
    /// - Throws: ``HTTPServerError`` when the address cannot be bound (in use, not local), or what `body` throws.
    public static func withServer<Result: Sendable>(
        host: String,
        port: Int,
        logger: Logger,
        handler: @escaping Handler,
        body: (_ port: Int) async throws -> Result
    ) async throws -> Result {
        let loop = HTTPServerLoop(host: host, port: port, handler: handler, logger: logger)
        let bound = try await loop.start()
        do {
            let result = try await body(bound)
            loop.shutdown()
            await loop.finished.wait()
            return result
        } catch {
            loop.shutdown()
            await loop.finished.wait()
            throw error
        }
    }
}

/// Why the server could not start.
public struct HTTPServerError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { self.message }
}

/// The lws context of a ``LocalHTTPServer`` on its own `LWSServiceThread` (read that type's invariants first: only
/// the service thread calls lws; other threads reach it by command). Each request's wsi carries its id as opaque user
/// data; the handler's task hands the answer back as a command, and a wsi closed meanwhile simply has no entry any
/// more, so its answer is dropped.
final class HTTPServerLoop: LWSServiceClient, @unchecked Sendable {
    // @unchecked Sendable: everything mutable is service-thread confined (`exchanges`, `nextID`) or written once
    // before the thread starts and then only by it (`startContinuation`).

    enum Command {
        /// The handler's answer to request `id`.
        case answer(id: UInt64, response: HTTPServerResponse)
        /// Leave the service loop: close every connection and the listening socket.
        case shutdown
    }

    private final class Exchange {
        let wsi: OpaquePointer
        var response: HTTPServerResponse?
        var headersSent = false
        /// A refused method: close after the answer rather than keep the connection.
        var closeAfter = false

        init(wsi: OpaquePointer) { self.wsi = wsi }
    }

    var finished: Completion { self.service.finished }
    private let service = LWSServiceThread<Command>(name: "lws-http-server")
    private let handler: LocalHTTPServer.Handler
    private let logger: Logger
    private let host: UnsafeMutablePointer<CChar>
    private let port: Int
    private let protocols: UnsafeMutablePointer<lws_protocols>
    private let protocolName: UnsafeMutablePointer<CChar>

    // MARK: Service-thread confined
    private var startContinuation: CheckedContinuation<Int, any Error>?
    private var exchanges: [UInt64: Exchange] = [:]
    private var nextID: UInt64 = 0

    init(host: String, port: Int, handler: @escaping LocalHTTPServer.Handler, logger: Logger) {
        self.host = strdup(host)!
        self.port = port
        self.handler = handler
        self.logger = logger
        self.protocolName = strdup("dojo-http-server")!
        self.protocols = .allocate(capacity: 2)
        self.protocols.initialize(repeating: lws_protocols(), count: 2)
        self.protocols[0].name = UnsafePointer(self.protocolName)
        self.protocols[0].callback = httpServerCallback
        self.protocols[0].rx_buffer_size = 4 << 10
    }

    deinit {
        free(self.host)
        free(self.protocolName)
        self.protocols.deinitialize(count: 2)
        self.protocols.deallocate()
    }

    /// Starts the service thread; returns the bound port once the vhost listens.
    func start() async throws -> Int {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int, any Error>) in
            self.startContinuation = continuation  // before the thread starts; then only it touches it
            self.service.start(self)
        }
    }

    /// Stops taking answers and leaves the loop; `finished` completes once the context is destroyed.
    func shutdown() {
        self.service.refuseCommands()
        self.service.enqueue(.shutdown, evenIfRefusing: true)
    }

    private func answer(_ id: UInt64, _ response: HTTPServerResponse) {
        self.service.enqueue(.answer(id: id, response: response))  // refused once stopping: dropped
    }

    // MARK: - LWSServiceClient (service thread)

    func makeContext() throws(LWSContextError) -> LWSContext {
        var info = lws_context_creation_info()
        info.port = Int32(clamping: self.port)
        info.iface = UnsafePointer(self.host)
        info.protocols = UnsafePointer(self.protocols)
        info.user = Unmanaged.passUnretained(self).toOpaque()  // safe: the service thread holds `self` until return
        info.timeout_secs = 10
        info.fd_limit_per_thread = 64
        return try LWSContext(&info, tls: nil)
    }

    func contextFailed(_ error: LWSContextError) {
        let detail = LWSLog.captured().last.map { " (libwebsockets: \($0))" } ?? ""
        let address = "\(String(cString: self.host)):\(self.port)"
        self.startContinuation?.resume(
            throwing: HTTPServerError(message: "cannot listen on \(address): \(error.message)\(detail)")
        )
        self.startContinuation = nil
    }

    func serviceStarted(context: OpaquePointer, vhost: OpaquePointer) {
        self.startContinuation?.resume(returning: Int(lws_get_vhost_listen_port(vhost)))
        self.startContinuation = nil
    }

    func serviceStopping(leftover: [Command]) {
        self.exchanges.removeAll()
    }

    func serviceEnded() {}

    fileprivate func handle(
        _ wsi: OpaquePointer,
        _ reason: lws_callback_reasons,
        _ data: UnsafeMutableRawPointer?,
        _ length: Int
    ) -> Int32 {
        self.service.assertOnServiceThread()
        switch reason {
        case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
            self.drainCommands()
        case LWS_CALLBACK_HTTP:
            self.nextID += 1
            let id = self.nextID
            let exchange = Exchange(wsi: wsi)
            self.exchanges[id] = exchange
            lws_set_opaque_user_data(wsi, UnsafeMutableRawPointer(bitPattern: UInt(id)))
            guard lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0 else {
                exchange.response = HTTPServerResponse(status: 405, body: "only GET is served here\n")
                exchange.closeAfter = true
                lws_callback_on_writable(wsi)
                return 0
            }
            let target = data.map { String(cString: $0.assumingMemoryBound(to: CChar.self)) } ?? "/"
            let path = String(target.prefix { $0 != "?" })
            let handler = self.handler
            Task { self.answer(id, await handler(path)) }
        case LWS_CALLBACK_HTTP_WRITEABLE:
            let id = UInt64(UInt(bitPattern: lws_get_opaque_user_data(wsi)))
            guard let exchange = self.exchanges[id], let response = exchange.response else { return 0 }
            if !exchange.headersSent {
                exchange.headersSent = true
                guard Self.writeHeaders(wsi, response) else { return -1 }
                lws_callback_on_writable(wsi)
                return 0
            }
            self.exchanges[id] = nil
            lws_set_opaque_user_data(wsi, nil)
            guard Self.writeBody(wsi, response.body) else { return -1 }
            if exchange.closeAfter || lws_http_transaction_completed(wsi) != 0 { return -1 }
        case LWS_CALLBACK_CLOSED_HTTP:
            let id = UInt64(UInt(bitPattern: lws_get_opaque_user_data(wsi)))
            if id != 0 { self.exchanges[id] = nil }
        default:
            break
        }
        return 0
    }

    func drainCommands() {
        for command in self.service.takeCommands() {
            switch command {
            case .answer(let id, let response):
                guard let exchange = self.exchanges[id] else { continue }  // its connection closed meanwhile
                exchange.response = response
                lws_callback_on_writable(exchange.wsi)
            case .shutdown:
                self.service.requestExit()
            }
        }
    }

    private static func writeHeaders(_ wsi: OpaquePointer, _ response: HTTPServerResponse) -> Bool {
        var buffer = [UInt8](repeating: 0, count: Int(clws_pre()) + 1024)
        return buffer.withUnsafeMutableBufferPointer { bytes -> Bool in
            let start = bytes.baseAddress! + Int(clws_pre())
            let end = bytes.baseAddress! + bytes.count - 1
            var cursor: UnsafeMutablePointer<UInt8>? = start
            guard
                lws_add_http_common_headers(
                    wsi,
                    UInt32(response.status),
                    response.contentType,
                    lws_filepos_t(response.body.count),
                    &cursor,
                    end
                ) == 0
            else { return false }
            return lws_finalize_write_http_header(wsi, start, &cursor, end) == 0
        }
    }

    private static func writeBody(_ wsi: OpaquePointer, _ body: [UInt8]) -> Bool {
        let pre = Int(clws_pre())
        var buffer = [UInt8](repeating: 0, count: pre + body.count)
        buffer.replaceSubrange(pre..<pre + body.count, with: body)
        let written = buffer.withUnsafeMutableBufferPointer { bytes in
            lws_write(wsi, bytes.baseAddress! + pre, body.count, LWS_WRITE_HTTP_FINAL)
        }
        return written >= 0 && Int(written) >= body.count
    }
}

private func httpServerCallback(
    _ wsi: OpaquePointer?,
    _ reason: lws_callback_reasons,
    _ user: UnsafeMutableRawPointer?,
    _ data: UnsafeMutableRawPointer?,
    _ length: Int
) -> Int32 {
    guard let wsi, let context = lws_get_context(wsi), let raw = lws_context_user(context) else { return 0 }
    return Unmanaged<HTTPServerLoop>.fromOpaque(raw).takeUnretainedValue().handle(wsi, reason, data, length)
}
