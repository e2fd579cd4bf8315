import Foundation
import SystemCalls

/// Talks to a running agent over its control socket: one request line, one response line.
///
/// ```swift
/// let response = try ControlClient(socketPath: "/var/lib/dojo-agent/control.sock")
///     .send(ControlRequest(command: "notify", fields: ["eventType": "OrderUpdated", "id": "42"]))
/// ```
public struct ControlClient: Sendable {
    /// The socket (`<state_directory>/control.sock`).
    public var socketPath: String
    /// How long to wait for the answer. Default 30 s (a publish waits for an fsync, and for the disk when it is
    /// slow).
    public var timeoutSeconds: Int

    public init(socketPath: String, timeoutSeconds: Int = 30) {
        self.socketPath = socketPath
        self.timeoutSeconds = timeoutSeconds
    }

    /// Sends `request` and returns the agent's answer.
    ///
    /// The exchange uses blocking socket calls, so it runs on a thread of its own: the caller's executor (with two
    /// cores, the whole cooperative pool is two threads) stays free, which matters when the agent answering runs
    /// in the same process (tests, embedding).
    ///
    /// - Throws: ``ControlError``: `agentNotRunning` when nothing listens, `permissionDenied`, `badResponse`, …
    public func send(_ request: ControlRequest) async throws(ControlError) -> ControlResponse {
        let result = await withCheckedContinuation {
            (continuation: CheckedContinuation<Result<ControlResponse, ControlError>, Never>) in
            do {
                try NamedThread.start("dojo-ctl-client") {
                    do throws(ControlError) {
                        continuation.resume(returning: .success(try self.sendBlocking(request)))
                    } catch {
                        continuation.resume(returning: .failure(error))
                    }
                }
            } catch {
                continuation.resume(
                    returning: .failure(
                        ControlError(.socketFailed, "could not start a thread to talk to the agent: \(error)")
                    )
                )
            }
        }
        return try result.get()
    }

    /// The same exchange on the calling thread.
    public func sendBlocking(_ request: ControlRequest) throws(ControlError) -> ControlResponse {
        let fd = try UnixSocket.connect(to: self.socketPath)
        defer { Syscall.close(fd) }
        UnixSocket.setTimeouts(fd, seconds: self.timeoutSeconds)
        if let reason = UnixSocket.writeLine(fd, request.line) {
            throw ControlError(.socketFailed, "could not send the request to the agent: \(reason)")
        }
        var reader = UnixSocket.LineReader(fd: fd)
        switch reader.next() {
        case .line(let line):
            return try ControlResponse(line: line)
        case .end:
            throw ControlError(.badResponse, "the agent closed the control connection without answering")
        case .tooLong:
            throw ControlError(.badResponse, "the agent's answer is longer than \(UnixSocket.maximumLineLength) bytes")
        case .failed(let reason):
            throw ControlError(.badResponse, "no answer from the agent: \(reason)")
        }
    }
}
