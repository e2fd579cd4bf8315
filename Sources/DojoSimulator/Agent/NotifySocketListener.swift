import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A stand-in for systemd's notification socket: a Unix datagram socket that records every datagram an agent
/// sends to `NOTIFY_SOCKET`, one ``Journal`` element per datagram, so a test awaits `READY=1` or `STOPPING=1`
/// instead of guessing when they came.
public final class NotifySocketListener: Sendable {
    /// What to put in the agent's `NOTIFY_SOCKET`: a path, or `@name` for an abstract socket.
    public let address: String
    /// Every datagram, as text, in arrival order.
    public let datagrams = Journal<String>()
    private let fd: Int32
    private let receiverEnded = Journal<Bool>()

    /// Binds a datagram socket at `address` (`@name` is abstract) and starts receiving on a thread of its own.
    /// - Throws: ``SimulatorError`` (`setupFailed`) when the socket cannot be bound.
    public init(address: String) throws {
        self.address = address
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SimulatorError(.setupFailed, "socket(): \(String(cString: strerror(errno)))") }
        var name = Array(address.utf8)
        let abstract = name.first == UInt8(ascii: "@")
        if abstract { name[0] = 0 }
        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        guard name.count < MemoryLayout.size(ofValue: socketAddress.sun_path) else {
            _ = Glibc.close(fd)
            throw SimulatorError(.setupFailed, "the notify socket name \(address) is too long")
        }
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { raw in
            raw.copyBytes(from: name)
            if !abstract { raw[name.count] = 0 }
        }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path) ?? 2
        let length = socklen_t(abstract ? pathOffset + name.count : MemoryLayout<sockaddr_un>.size)
        let bound = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else {
            let reason = String(cString: strerror(errno))
            _ = Glibc.close(fd)
            throw SimulatorError(.setupFailed, "cannot bind the notify socket \(address): \(reason)")
        }
        self.fd = fd
        let datagrams = self.datagrams
        let finished = self.receiverEnded
        let receiver = Thread {
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count < 0, errno == EINTR { continue }
                // shutdown() on close ends the loop with 0 or an error.
                guard count > 0 else { break }
                datagrams.append(String(decoding: buffer[..<count], as: UTF8.self))
            }
            finished.append(true)
        }
        receiver.name = "notify-socket-listener"
        receiver.start()
    }

    /// A listener on a fresh abstract name (nothing on disk to clean up).
    public static func abstract() throws -> NotifySocketListener {
        try NotifySocketListener(address: "@dojo-notify-\(getpid())-\(UUID().uuidString.prefix(8))")
    }

    /// The first datagram at `index` or later with an assignment that starts with `assignment` (`READY=1`,
    /// `STATUS=connected`).
    public func await(
        _ assignment: String,
        from index: Int = 0,
        timeout: Duration
    ) async throws -> (index: Int, datagram: String) {
        let found = try await withDeadline(timeout, waitingFor: "\(assignment) on the notify socket") {
            try await self.datagrams.first(from: index) {
                NotifySocketListener.assignments($0).contains { $0.hasPrefix(assignment) }
            }
        }
        return (found.index, found.element)
    }

    /// A datagram's assignments, one per line.
    public static func assignments(_ datagram: String) -> [String] {
        datagram.split(separator: "\n").map(String.init)
    }

    /// Stops receiving and closes the socket (and removes a path socket's file).
    public func close() async {
        _ = Glibc.shutdown(self.fd, Int32(SHUT_RDWR))
        // Linux wakes a datagram socket's blocked recv on shutdown (it returns 0).
        _ = try? await self.receiverEnded.first { _ in true }
        _ = Glibc.close(self.fd)
        if !self.address.hasPrefix("@") { unlink(self.address) }
    }
}
