public import SystemPackage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A system call that failed: which call, and the `errno` it left.
///
/// ``reason`` is `strerror`'s text ("No such file or directory"), what a message for an operator quotes; callers
/// decide on ``errno`` (`.noSuchFileOrDirectory`, `.connectionRefused`…, swift-system's names) and never read the
/// global `errno` themselves.
public struct SystemCallError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The call that failed, as in its man page: `bind`, `connect`, `sendto`.
    public var call: String
    /// What the call left in `errno`.
    public var errno: Errno

    public init(_ call: String, errno: Errno) {
        self.call = call
        self.errno = errno
    }

    /// `strerror(errno)`.
    public var reason: String { self.errno.description }

    /// `bind: No such file or directory`.
    public var description: String { "\(self.call): \(self.reason)" }
}

/// The one gate for the daemon's POSIX calls outside Transport's libwebsockets fence (as swift-nio's
/// `System.swift`): every socket, file-status, signal and process call of the agent's Swift code goes through
/// here, retried on `EINTR` where that is right, and failing with a ``SystemCallError`` instead of a bare `-1` and
/// a global `errno`. The modules above it (the control socket, the systemd notifier, the outbox, the process
/// adapter, the CLI) import no libc.
///
/// Descriptors are plain `Int32`s owned by the caller: nothing here closes what it did not open (except the
/// datagram socket of ``sendDatagram(to:_:)``, opened and closed within the call).
public enum Syscall {
    // MARK: - Unix domain sockets

    /// `sun_path` holds 108 bytes including the terminating NUL on Linux.
    public static let maximumUnixPathLength = 107

    /// The socket types the agent uses.
    public enum SocketType: Sendable {
        /// `SOCK_STREAM`: the control socket.
        case stream
        /// `SOCK_DGRAM`: systemd's `NOTIFY_SOCKET`, journald's socket.
        case datagram
    }

    /// A new Unix domain socket, close-on-exec (so the process adapter's child does not inherit it).
    public static func unixSocket(_ type: SocketType) throws(SystemCallError) -> Int32 {
        let kind = type == .stream ? Int32(SOCK_STREAM.rawValue) : Int32(SOCK_DGRAM.rawValue)
        return try Self.check("socket") { socket(AF_UNIX, kind | Int32(SOCK_CLOEXEC.rawValue), 0) }
    }

    /// Binds `fd` to the Unix socket path `path` (or `@name`, a Linux abstract socket).
    /// - Throws: `fileNameTooLong` for a path longer than ``maximumUnixPathLength``; what `bind(2)` fails with.
    public static func bind(_ fd: Int32, path: String) throws(SystemCallError) {
        let result = try Self.withUnixAddress(path, call: "bind") { Glibc.bind(fd, $0, $1) }
        _ = try Self.check("bind") { result }
    }

    /// Connects `fd` to the Unix socket at `path` (or `@name`). Not retried on `EINTR` (a blocking connect then
    /// goes on in the background; the agent's callers give up instead).
    public static func connect(_ fd: Int32, path: String) throws(SystemCallError) {
        let result = try Self.withUnixAddress(path, call: "connect") { Glibc.connect(fd, $0, $1) }
        _ = try Self.check("connect") { result }
    }

    /// Marks `fd` as accepting connections.
    public static func listen(_ fd: Int32, backlog: Int32) throws(SystemCallError) {
        _ = try Self.check("listen") { Glibc.listen(fd, backlog) }
    }

    /// Waits for a connection on `fd` (retrying `EINTR`); the new descriptor is close-on-exec.
    public static func accept(_ fd: Int32) throws(SystemCallError) -> Int32 {
        let client = try Self.retrying("accept") { Glibc.accept(fd, nil, nil) }
        _ = fcntl(client, F_SETFD, FD_CLOEXEC)  // the adapter's child process must not inherit it
        return client
    }

    /// Shuts both directions of `fd` down: a thread blocked in `accept` or `recv` on it returns.
    public static func shutdown(_ fd: Int32) throws(SystemCallError) {
        _ = try Self.check("shutdown") { Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
    }

    /// Closes `fd`. Never retried: on Linux the descriptor is released even when `close` reports `EINTR`.
    public static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    /// Sets a receive and a send timeout on a blocking socket.
    public static func setTimeouts(_ fd: Int32, seconds: Int) throws(SystemCallError) {
        var value = timeval(tv_sec: seconds, tv_usec: 0)
        let length = socklen_t(MemoryLayout<timeval>.size)
        _ = try Self.check("setsockopt") { setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, length) }
        _ = try Self.check("setsockopt") { setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &value, length) }
    }

    /// The user id of the process at the other end of the connected Unix socket `fd` (`SO_PEERCRED`).
    public static func peerUserID(_ fd: Int32) throws(SystemCallError) -> UInt32 {
        var credentials = [Int32](repeating: -1, count: 3)  // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
        var length = socklen_t(MemoryLayout<Int32>.size * 3)
        _ = try Self.check("getsockopt") {
            credentials.withUnsafeMutableBytes { getsockopt(fd, SOL_SOCKET, SO_PEERCRED, $0.baseAddress, &length) }
        }
        return UInt32(bitPattern: credentials[1])
    }

    /// Writes all of `bytes` to the connected socket `fd` (retrying `EINTR` and short writes). `MSG_NOSIGNAL`: a
    /// peer that went away fails the write with `brokenPipe` instead of raising `SIGPIPE`.
    public static func sendAll(_ fd: Int32, _ bytes: some Collection<UInt8>) throws(SystemCallError) {
        let bytes = Array(bytes)
        var offset = 0
        while offset < bytes.count {
            offset += try Self.retrying("send") {
                bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            }
        }
    }

    /// Reads what `fd` has into `buffer` (waiting for something, retrying `EINTR`); 0 at the end of the stream.
    public static func receive(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(SystemCallError) -> Int {
        try Self.retrying("recv") { recv(fd, buffer.baseAddress, buffer.count, 0) }
    }

    /// Sends one datagram to the Unix datagram socket `target` (systemd's `NOTIFY_SOCKET`, journald's
    /// `/run/systemd/journal/socket`): a path, or `@name` for a Linux abstract socket (the `@` stands for the
    /// leading NUL byte). Never blocks: a full receiver fails with `resourceTemporarilyUnavailable`.
    public static func sendDatagram(to target: String, _ bytes: some Collection<UInt8>) throws(SystemCallError) {
        let fd = try Self.unixSocket(.datagram)
        defer { Self.close(fd) }
        let bytes = Array(bytes)
        let sent = try Self.withUnixAddress(target, call: "sendto") { address, length in
            Self.retryingRaw {
                bytes.withUnsafeBytes {
                    sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT), address, length)
                }
            }
        }
        _ = try Self.check("sendto") { sent }
    }

    // MARK: - Files

    /// What ``fileStatus(_:followSymlinks:)`` reports of a file.
    public struct FileStatus: Sendable, Equatable {
        /// The kinds the agent tells apart.
        public enum Kind: Sendable, Equatable {
            case directory, socket, regular, other
        }

        public var kind: Kind
        /// The permission bits (`st_mode & 0o7777`).
        public var permissions: UInt32
        /// The owner's user id.
        public var ownerID: UInt32

        public init(kind: Kind, permissions: UInt32, ownerID: UInt32) {
            self.kind = kind
            self.permissions = permissions
            self.ownerID = ownerID
        }
    }

    /// `stat(2)` of `path`, or `lstat(2)` (the link itself) when `followSymlinks` is false.
    public static func fileStatus(_ path: String, followSymlinks: Bool = true) throws(SystemCallError) -> FileStatus {
        var info = stat()
        _ = try Self.check(followSymlinks ? "stat" : "lstat") {
            followSymlinks ? stat(path, &info) : lstat(path, &info)
        }
        let kind: FileStatus.Kind
        switch info.st_mode & S_IFMT {
        case S_IFDIR: kind = .directory
        case S_IFSOCK: kind = .socket
        case S_IFREG: kind = .regular
        default: kind = .other
        }
        return FileStatus(kind: kind, permissions: UInt32(info.st_mode & 0o7777), ownerID: UInt32(info.st_uid))
    }

    /// Sets the permission bits of `path`.
    public static func chmod(_ path: String, permissions: UInt32) throws(SystemCallError) {
        _ = try Self.check("chmod") { Glibc.chmod(path, mode_t(permissions)) }
    }

    /// Removes the name `path`.
    public static func unlink(_ path: String) throws(SystemCallError) {
        _ = try Self.check("unlink") { Glibc.unlink(path) }
    }

    /// Renames `source` to `target`, replacing it (atomic within one file system).
    public static func rename(_ source: String, to target: String) throws(SystemCallError) {
        _ = try Self.check("rename") { Glibc.rename(source, target) }
    }

    // MARK: - The process

    /// This process's id.
    public static var processID: Int32 { getpid() }

    /// The user id this process acts as.
    public static var effectiveUserID: UInt32 { UInt32(geteuid()) }

    /// `CLOCK_MONOTONIC` now, in microseconds (systemd's `MONOTONIC_USEC=` is on this clock).
    public static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
    }

    /// Ignores `SIGPIPE` for the whole process, so a write to a pipe or socket whose reader went away fails with
    /// `brokenPipe` instead of killing the process. Process-wide state: called by the program (`dojo-agent run`,
    /// a test runner), never by a library.
    public static func ignoreBrokenPipeSignal() {
        _ = signal(SIGPIPE, SIG_IGN)
    }

    /// Removes `name` from this process's environment (inherited by children started after).
    public static func unsetEnvironment(_ name: String) {
        _ = unsetenv(name)
    }

    /// Whether the child `processID` has ended (or is no child of ours any more) without reaping it: `waitid` with
    /// `WNOWAIT` only looks, leaving the exit status for whoever waits for it.
    public static func hasExited(_ processID: Int32) -> Bool {
        var info = siginfo_t()
        // An error (ECHILD) means it is already reaped, so not running.
        guard waitid(P_PID, id_t(processID), &info, WEXITED | WNOHANG | WNOWAIT) == 0 else { return true }
        #if canImport(Glibc)
        return info._sifields._sigchld.si_pid != 0
        #else
        return info.si_pid != 0
        #endif
    }

    /// The name of the common signals a process dies of (`SIGKILL`), for log lines; nil for the others.
    public static func signalName(_ signal: Int32) -> String? {
        let names: [Int32: String] = [
            SIGKILL: "SIGKILL", SIGTERM: "SIGTERM", SIGSEGV: "SIGSEGV", SIGABRT: "SIGABRT", SIGINT: "SIGINT",
            SIGBUS: "SIGBUS", SIGILL: "SIGILL", SIGFPE: "SIGFPE", SIGPIPE: "SIGPIPE", SIGHUP: "SIGHUP",
        ]
        return names[signal]
    }

    // MARK: - The gate itself

    /// Runs `body` once; a negative result throws `call`'s error with the `errno` it left.
    private static func check<Result: BinaryInteger>(
        _ call: String,
        _ body: () -> Result
    ) throws(SystemCallError) -> Result {
        let result = body()
        guard result >= 0 else { throw SystemCallError(call, errno: Errno(rawValue: Glibc.errno)) }
        return result
    }

    /// Runs `body` until it does not fail with `EINTR`; another failure throws.
    private static func retrying<Result: BinaryInteger>(
        _ call: String,
        _ body: () -> Result
    ) throws(SystemCallError) -> Result {
        try Self.check(call) { Self.retryingRaw(body) }
    }

    /// Runs `body` until it does not fail with `EINTR`, and returns its result (`errno` still set when negative).
    private static func retryingRaw<Result: BinaryInteger>(_ body: () -> Result) -> Result {
        while true {
            let result = body()
            if result < 0, Glibc.errno == EINTR { continue }
            return result
        }
    }

    /// Calls `body` with a `sockaddr_un` for `path` (`@name`: abstract, its bytes without a terminator).
    private static func withUnixAddress<Result>(
        _ path: String,
        call: String,
        _ body: (UnsafePointer<sockaddr>, socklen_t) -> Result
    ) throws(SystemCallError) -> Result {
        var name = Array(path.utf8)
        let abstract = name.first == UInt8(ascii: "@")
        if abstract { name[0] = 0 }
        guard !name.isEmpty else { throw SystemCallError(call, errno: .noSuchFileOrDirectory) }
        guard name.count <= Self.maximumUnixPathLength else { throw SystemCallError(call, errno: .fileNameTooLong) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: name)
            if !abstract { raw[name.count] = 0 }
        }
        // An abstract name is exactly its bytes (no terminator): the address length must say where it ends.
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path) ?? 2
        let length = socklen_t(abstract ? pathOffset + name.count : MemoryLayout<sockaddr_un>.size)
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }
}
