#if canImport(Glibc)
import Glibc
#endif

/// Every system call the log backends (DojoAgentCore/Logging) make, behind the gate with the others: `fstat` (is stderr the journal's stream?), one
/// `AF_UNIX` datagram socket, `sendto` and `close` (journald's native protocol), `write` (a line on stderr).
public enum LogSystemCalls {
    /// The device and inode of an open descriptor, as `JOURNAL_STREAM` names them (`<st_dev>:<st_ino>`).
    public static func identity(ofDescriptor descriptor: Int32) -> (device: UInt64, inode: UInt64)? {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return nil }
        return (UInt64(info.st_dev), UInt64(info.st_ino))
    }

    /// An unbound, close-on-exec datagram socket for sending to journald, with a one-second send timeout (a
    /// stalled journald makes a send fail over to stderr instead of stopping the agent); nil if none can be made.
    public static func openDatagramSocket() -> Int32? {
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        _ = setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return descriptor
    }

    public static func close(_ descriptor: Int32) {
        _ = Glibc.close(descriptor)
    }

    /// Sends one datagram to the socket at `path`. Returns 0, or the errno that made it fail.
    public static func send(_ bytes: [UInt8], from descriptor: Int32, to path: String) -> Int32 {
        let name = Array(path.utf8)
        var address = sockaddr_un()
        guard !name.isEmpty, name.count < MemoryLayout.size(ofValue: address.sun_path) else { return ENAMETOOLONG }
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: name)
            raw[name.count] = 0
        }
        while true {
            let sent = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                    bytes.withUnsafeBytes {
                        sendto(
                            descriptor,
                            $0.baseAddress,
                            $0.count,
                            Int32(MSG_NOSIGNAL),
                            address,
                            socklen_t(MemoryLayout<sockaddr_un>.size)
                        )
                    }
                }
            }
            if sent >= 0 { return 0 }
            if errno == EINTR { continue }
            return errno
        }
    }

    /// Writes all of `bytes` to `descriptor` (retrying short writes and EINTR). Returns false on failure.
    @discardableResult
    public static func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> Bool {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += written
            }
            return true
        }
    }
}
