import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A stand-in for `/run/systemd/journal/socket`: a bound AF_UNIX datagram socket in a temporary directory, read as
/// journald reads its native protocol (`AgentLaunch.journalSocket` points a real agent at it).
public final class JournalStandIn: @unchecked Sendable {
    // @unchecked Sendable: `entries` is only touched with `condition` locked; the rest is immutable.
    public let path: String
    private let descriptor: Int32
    private let condition = NSCondition()
    private var entries: [[String: String]] = []
    private let reader = DispatchGroup()

    /// Binds the socket and starts reading it on a thread of its own, as journald does: a sender is never held
    /// up by an unread queue (Linux queues only `net.unix.max_dgram_qlen` datagrams per socket).
    public init() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("dojo-journal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.path = directory.appendingPathComponent("socket").path
        self.descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let name = Array(self.path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: name)
            raw[name.count] = 0
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(self.descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard self.descriptor >= 0, bound == 0 else { throw POSIXError(.EADDRNOTAVAIL) }
        self.reader.enter()
        let thread = Thread { [self] in
            self.readLoop()
            self.reader.leave()
        }
        thread.name = "journal-stand-in"
        thread.start()
    }

    private func readLoop() {
        var buffer = [UInt8](repeating: 0, count: 256 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(self.descriptor, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            // `close` shuts the socket down, which ends a blocked recv with 0.
            guard count > 0 else { return }
            let fields = (try? Self.parse(Array(buffer[..<count]))) ?? ["PARSE_ERROR": "\(count) bytes"]
            self.condition.withLock {
                self.entries.append(fields)
                self.condition.broadcast()
            }
        }
    }

    /// Every entry received so far, in order.
    public var received: [[String: String]] { self.condition.withLock { self.entries } }

    /// The entries up to the first one (from `from` on) that satisfies `predicate`, waiting up to `timeout` for
    /// it (a bound on failure only: an entry that never comes throws `ETIMEDOUT`).
    public func receive(
        from start: Int = 0,
        timeoutSeconds timeout: Double = 30,
        until predicate: ([String: String]) -> Bool
    ) throws -> [[String: String]] {
        let deadline = Date().addingTimeInterval(timeout)
        return try self.condition.withLock {
            var checked = start
            while true {
                while checked < self.entries.count {
                    if predicate(self.entries[checked]) { return Array(self.entries[start...checked]) }
                    checked += 1
                }
                guard self.condition.wait(until: deadline) else { throw POSIXError(.ETIMEDOUT) }
            }
        }
    }

    /// journald's native format: `NAME=value\n`, or `NAME\n` + a little-endian UInt64 length + bytes + `\n`.
    public static func parse(_ bytes: [UInt8]) throws -> [String: String] {
        var fields: [String: String] = [:]
        var index = 0
        while index < bytes.count {
            guard let end = bytes[index...].firstIndex(where: { $0 == 0x0A || $0 == UInt8(ascii: "=") }) else {
                throw POSIXError(.EBADMSG)
            }
            let name = String(decoding: bytes[index..<end], as: UTF8.self)
            if bytes[end] == UInt8(ascii: "=") {
                guard let newline = bytes[end...].firstIndex(of: 0x0A) else { throw POSIXError(.EBADMSG) }
                fields[name] = String(decoding: bytes[(end + 1)..<newline], as: UTF8.self)
                index = newline + 1
            } else {
                guard end + 9 <= bytes.count else { throw POSIXError(.EBADMSG) }
                var length: UInt64 = 0
                for (shift, byte) in bytes[(end + 1)..<(end + 9)].enumerated() { length |= UInt64(byte) << (8 * shift) }
                let start = end + 9
                let stop = start + Int(length)
                guard stop < bytes.count, bytes[stop] == 0x0A else { throw POSIXError(.EBADMSG) }
                fields[name] = String(decoding: bytes[start..<stop], as: UTF8.self)
                index = stop + 1
            }
        }
        return fields
    }

    /// Stops the reader and removes the socket.
    public func close() {
        shutdown(self.descriptor, Int32(SHUT_RDWR))
        self.reader.wait()
        Glibc.close(self.descriptor)
        try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: self.path).deletingLastPathComponent().path)
    }
}
