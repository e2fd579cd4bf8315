import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The POSIX calls behind the control socket, kept in one place: `sockaddr_un` handling, connect, bind, and
/// reading and writing newline-delimited lines on a blocking descriptor; and the one datagram systemd's
/// `NOTIFY_SOCKET` takes.
enum UnixSocket {
    /// `sun_path` holds 108 bytes including the terminating NUL on Linux.
    static let maximumPathLength = 107
    /// The longest request or response line accepted.
    static let maximumLineLength = 64 << 10

    static func errnoText(_ code: Int32 = errno) -> String {
        String(cString: strerror(code))
    }

    /// Calls `body` with a `sockaddr_un` for `path`.
    static func withAddress<R>(
        _ path: String,
        _ body: (UnsafePointer<sockaddr>, socklen_t) -> R
    ) throws(ControlError) -> R {
        let bytes = Array(path.utf8)
        guard bytes.count <= Self.maximumPathLength else {
            throw ControlError(
                .socketFailed,
                "the control socket path '\(path)' is \(bytes.count) bytes long; Unix sockets allow \(Self.maximumPathLength): use a shorter state directory"
            )
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                body($0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
    }

    /// A new stream socket, close-on-exec (so the process adapter's child does not inherit it).
    static func makeSocket() throws(ControlError) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ControlError(.socketFailed, "socket() failed: \(Self.errnoText())") }
        return fd
    }

    /// Connects to `path`; returns the descriptor, or throws with a message that says whether the agent runs.
    static func connect(to path: String) throws(ControlError) -> Int32 {
        let fd = try Self.makeSocket()
        let result = try Self.withAddress(path) { address, length in Glibc.connect(fd, address, length) }
        guard result == 0 else {
            let code = errno
            close(fd)
            switch code {
            case ENOENT, ECONNREFUSED, ENOTDIR:
                throw ControlError(
                    .agentNotRunning,
                    "the agent is not running: nothing listens on \(path) (\(Self.errnoText(code)))"
                )
            case EACCES, EPERM:
                throw ControlError(
                    .permissionDenied,
                    "cannot connect to \(path): \(Self.errnoText(code)); run as the agent's user or root"
                )
            default:
                throw ControlError(.socketFailed, "cannot connect to \(path): \(Self.errnoText(code))")
            }
        }
        return fd
    }

    /// Sends one datagram to the Unix datagram socket `target` (systemd's `NOTIFY_SOCKET`): a path, or `@name` for
    /// a Linux abstract socket (the `@` stands for the leading NUL byte). Never blocks. Returns nil when sent, else
    /// why not.
    static func sendDatagram(to target: String, _ bytes: [UInt8]) -> String? {
        var name = Array(target.utf8)
        let abstract = name.first == UInt8(ascii: "@")
        if abstract { name[0] = 0 }
        guard !name.isEmpty, name.count <= Self.maximumPathLength else {
            return "the notify socket name is \(name.count) bytes long; Unix sockets allow \(Self.maximumPathLength)"
        }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return "socket() failed: \(Self.errnoText())" }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: name)
            if !abstract { raw[name.count] = 0 }
        }
        // An abstract name is exactly its bytes (no terminator): the address length must say where it ends.
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path) ?? 2
        let length = socklen_t(abstract ? pathOffset + name.count : MemoryLayout<sockaddr_un>.size)
        while true {
            let sent = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                    bytes.withUnsafeBytes {
                        sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT), address, length)
                    }
                }
            }
            if sent >= 0 { return nil }
            if errno == EINTR { continue }
            return "cannot send to the notify socket \(target): \(Self.errnoText())"
        }
    }

    /// Sets a receive and send timeout on a blocking descriptor.
    static func setTimeouts(_ fd: Int32, seconds: Int) {
        var value = timeval(tv_sec: seconds, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Writes all of `line` plus a newline. Returns false on failure.
    @discardableResult
    static func writeLine(_ fd: Int32, _ line: String) -> Bool {
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
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
        private var buffer: [UInt8] = []

        init(fd: Int32) {
            self.fd = fd
        }

        mutating func next() -> Result {
            while true {
                if let newline = self.buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    var line = Array(self.buffer[..<newline])
                    self.buffer.removeSubrange(...newline)
                    if line.last == UInt8(ascii: "\r") { line.removeLast() }
                    return .line(String(decoding: line, as: UTF8.self))
                }
                if self.buffer.count > UnixSocket.maximumLineLength { return .tooLong }
                var chunk = [UInt8](repeating: 0, count: 4096)
                let count = chunk.withUnsafeMutableBytes { recv(self.fd, $0.baseAddress, $0.count, 0) }
                if count == 0 { return .end }
                if count < 0 {
                    if errno == EINTR { continue }
                    return .failed(UnixSocket.errnoText())
                }
                self.buffer.append(contentsOf: chunk[..<count])
            }
        }
    }
}
