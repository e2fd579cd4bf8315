import AgentSupport
public import Logging

/// An HTTP(S) client on libwebsockets and OpenSSL, for the agent's few REST calls to Dojo
/// (`POST /epos/events`, `PUT /epos/integrations/ws`).
///
/// One libwebsockets context and one service thread serve every request for the client's lifetime (the
/// `withClient` scope). At most ``HTTPClientConfiguration/maxConcurrentRequests`` requests are on the wire; more
/// wait. Redirects are never followed, response bodies are capped, TLS is always verified (system store or one CA
/// file), and every failure is an ``HTTPClientError`` with a code. Any HTTP status is a response, not an error.
///
/// ```swift
/// try await HTTPClient.withClient(configuration: .init(), logger: logger) { http in
///     let response = try await http.execute(HTTPRequest(method: .get, url: "https://api.dojo.tech/…"))
///     print(response.status)
/// }
/// ```
public final class HTTPClient: Sendable {
    /// Counters, for benchmarks and tests.
    public struct Statistics: Sendable {
        /// Responses received completely.
        public var completedRequests: Int
        /// Distinct TCP connections the responses arrived on (fewer than requests when connections are reused).
        public var connections: Int
    }

    private let loop: HTTPLoop
    private let permits: AsyncSemaphore
    private let nextID = PThreadLock<UInt64>(0)
    private let logger: Logger

    private init(loop: HTTPLoop, configuration: HTTPClientConfiguration, logger: Logger) {
        self.loop = loop
        self.permits = AsyncSemaphore(limit: configuration.maxConcurrentRequests)
        self.logger = logger
    }

    /// Starts a client, runs `body` with it, then fails whatever is still running with `shutdown` and waits for
    /// the service thread to end.
    ///
    /// - Throws: ``HTTPClientError`` (`invalidRequest`) for an unusable configuration (for example a missing CA
    ///   file), or whatever `body` throws.
    public static func withClient<Result: Sendable>(
        configuration: HTTPClientConfiguration = .init(),
        logger: Logger,
        _ body: (HTTPClient) async throws -> Result
    ) async throws -> Result {
        let loop = try HTTPLoop(configuration: configuration, logger: logger)
        try await loop.start()
        let client = HTTPClient(loop: loop, configuration: configuration, logger: logger)
        let result: Result
        do {
            result = try await body(client)
        } catch {
            loop.shutdown()
            await loop.finished.wait()
            throw error
        }
        loop.shutdown()
        await loop.finished.wait()
        return result
    }

    /// Sends `request` and returns the complete response, whatever its status.
    ///
    /// - Throws: ``HTTPClientError`` when no complete response arrived (connect, TLS, timeout, connection lost,
    ///   response too large, shutdown, invalid request), or `CancellationError` if the task was cancelled.
    public func execute(_ request: HTTPRequest) async throws -> HTTPResponse {
        let parts: URLParts
        do {
            parts = try URLParts(request.url, plainScheme: "http", secureScheme: "https")
        } catch {
            throw HTTPClientError(.invalidRequest, "invalid URL '\(request.url)': \(error.reason)")
        }
        for header in request.headers {
            guard HeaderCheck.isValidName(header.name) else {
                throw HTTPClientError(.invalidRequest, "invalid header name '\(header.name)'")
            }
            guard HeaderCheck.isValidValue(header.value) else {
                throw HTTPClientError(.invalidRequest, "the value of header '\(header.name)' contains a line break")
            }
        }
        guard request.timeout > .zero else {
            throw HTTPClientError(.invalidRequest, "the request timeout must be positive")
        }
        let id = self.nextID.withLock { id in
            id += 1
            return id
        }
        try await self.permits.acquire()
        defer { self.permits.release() }
        let loop = self.loop
        // The deadline runs beside the exchange: whichever finishes first wins, and the loser is cancelled.
        return try await withThrowingTaskGroup(of: HTTPResponse?.self) { group in
            group.addTask {
                try await loop.perform(id: id, parts: parts, request: request)
            }
            group.addTask {
                try await Task.sleep(for: request.timeout)
                loop.expire(id)
                return nil
            }
            while let next = try await group.next() {
                if let response = next {
                    group.cancelAll()
                    return response
                }
            }
            preconditionFailure("BUG: the exchange task ended without a response or an error")
        }
    }

    /// Counters since the client started.
    public var statistics: Statistics {
        let statistics = self.loop.statistics
        return Statistics(completedRequests: statistics.requests, connections: statistics.connections)
    }
}
