import AgentSupport
public import Logging

/// A WebSocket client on libwebsockets and OpenSSL.
///
/// Each connection gets its own libwebsockets context and service thread; the connection lives exactly as long as
/// the `withConnection` scope. Reconnecting is the caller's job (the session layer), so this type stays small.
///
/// ```swift
/// let endpoint = try WebSocketEndpoint(url: "wss://eu.ws.dojo.tech/epos", headers: [
///     ("Authorization", "Basic \(apiKey)"), ("software-house-id", softwareHouseID),
/// ])
/// try await WebSocketClient.withConnection(to: endpoint, configuration: .init(), logger: logger) { connection in
///     for try await message in connection.inbound { … try await connection.send(.text(reply)) }
/// }
/// ```
public enum WebSocketClient {
    /// Opens a connection, runs `body` with it, then closes it and waits for the service thread to finish.
    ///
    /// When `body` returns, the connection is closed with 1000; when it throws (including cancellation), with
    /// 1001. Either way, by the time this returns the close handshake has completed or timed out, the thread has
    /// ended, the context is destroyed, and every pending `send` has returned.
    ///
    /// - Throws: `WebSocketTransportError` if the connection cannot be opened (see `isAuthRejection` for
    ///   HTTP 401/403), or whatever `body` throws.
    public static func withConnection<Result: Sendable>(
        to endpoint: WebSocketEndpoint,
        configuration: WebSocketConfiguration = .init(),
        logger: Logger,
        _ body: (WebSocketConnection) async throws -> Result
    ) async throws -> Result {
        let loop = try WebSocketLoop(endpoint: endpoint, configuration: configuration, logger: logger)
        do {
            try await loop.connect()
        } catch {
            await loop.finished.wait()
            throw error
        }
        let connection = WebSocketConnection(loop: loop)
        let result: Result
        do {
            result = try await body(connection)
        } catch {
            loop.requestClose(code: .goingAway, reason: "")
            await loop.finished.wait()
            throw error
        }
        loop.requestClose(code: .normalClosure, reason: "")
        await loop.finished.wait()
        return result
    }
}
