import AgentSupport
import SystemCalls
import SystemPackage

/// The control socket's exchange on top of the system-call gate (``Syscall``): connecting with an error that says
/// whether the agent runs, and newline-delimited lines on a blocking descriptor, framed by ``LineFramer``.
enum UnixSocket {
    /// The longest request or response line accepted.
    static let maximumLineLength = 64 << 10

    /// Refuses a socket path `sockaddr_un` cannot hold, saying what to do about it.
    static func checkPath(_ path: String) throws(ControlError) {
        let length = path.utf8.count
        guard length <= Syscall.maximumUnixPathLength else {
            throw ControlError(
                .socketFailed,
                "the control socket path '\(path)' is \(length) bytes long; Unix sockets allow \(Syscall.maximumUnixPathLength): use a shorter state directory"
            )
        }
    }

    /// A new stream socket, close-on-exec (so the process adapter's child does not inherit it).
    static func makeSocket() throws(ControlError) -> Int32 {
        do {
            return try Syscall.unixSocket(.stream)
        } catch {
            throw ControlError(.socketFailed, "socket() failed: \(error.reason)")
        }
    }

    /// Connects to `path`; returns the descriptor, or throws with a message that says whether the agent runs.
    static func connect(to path: String) throws(ControlError) -> Int32 {
        try Self.checkPath(path)
        let fd = try Self.makeSocket()
        do {
            try Syscall.connect(fd, path: path)
        } catch {
            Syscall.close(fd)
            switch error.errno {
            case .noSuchFileOrDirectory, .connectionRefused, .notDirectory:
                throw ControlError(
                    .agentNotRunning,
                    "the agent is not running: nothing listens on \(path) (\(error.reason))"
                )
            case .permissionDenied, .notPermitted:
                throw ControlError(
                    .permissionDenied,
                    "cannot connect to \(path): \(error.reason); run as the agent's user or root"
                )
            default:
                throw ControlError(.socketFailed, "cannot connect to \(path): \(error.reason)")
            }
        }
        return fd
    }

    /// Sets a receive and send timeout on a blocking descriptor (best effort: without one a read waits longer).
    static func setTimeouts(_ fd: Int32, seconds: Int) {
        try? Syscall.setTimeouts(fd, seconds: seconds)
    }

    /// Writes all of `line` plus a newline; nil when written, else why not.
    @discardableResult
    static func writeLine(_ fd: Int32, _ line: String) -> String? {
        do {
            try Syscall.sendAll(fd, Array(line.utf8) + [UInt8(ascii: "\n")])
            return nil
        } catch {
            return error.reason
        }
    }

    /// Reads newline-terminated lines from a blocking descriptor, keeping what follows a newline for the next call.
    struct LineReader {
        enum Result: Equatable {
            case line(String)
            case end
            case tooLong
            case failed(String)
        }

        let fd: Int32
        private var framer = LineFramer(maximumLineLength: UnixSocket.maximumLineLength)
        private var pending: [LineFramer.Item] = []
        private var ended = false

        init(fd: Int32) {
            self.fd = fd
        }

        mutating func next() -> Result {
            while true {
                if !self.pending.isEmpty {
                    switch self.pending.removeFirst() {
                    case .line(let bytes): return .line(String(decoding: bytes, as: UTF8.self))
                    case .oversized: return .tooLong
                    }
                }
                // A runaway line is refused at once, not when (if ever) its end arrives.
                if self.framer.isDiscarding { return .tooLong }
                if self.ended { return .end }
                var chunk = [UInt8](repeating: 0, count: 4096)
                let received = chunk.withUnsafeMutableBytes { buffer in
                    Swift.Result { () throws(SystemCallError) in try Syscall.receive(self.fd, into: buffer) }
                }
                let count: Int
                switch received {
                case .success(let value): count = value
                case .failure(let error): return .failed(error.reason)
                }
                if count == 0 {
                    self.ended = true
                    self.pending = self.framer.finish()
                    continue
                }
                self.pending = chunk[..<count].withUnsafeBytes { self.framer.append($0) }
            }
        }
    }
}
