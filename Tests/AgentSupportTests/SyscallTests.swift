import Foundation
import SystemCalls
import SystemPackage
import Testing

/// `Syscall`, the gate for the agent's POSIX calls: real sockets and files in a temporary directory, and the typed
/// error each failure gives (the call, swift-system's `Errno`, strerror's text).
@Suite struct SyscallTests {
    private func temporaryDirectory() throws -> String {
        // Short: a Unix socket path has at most 107 bytes.
        let path = "/tmp/sc-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The gate's error `body` fails with; nil when it succeeds (any other error is recorded as an issue).
    private func failure(_ body: () throws -> Void) -> SystemCallError? {
        do {
            try body()
            return nil
        } catch let error as SystemCallError {
            return error
        } catch {
            Issue.record("not a SystemCallError: \(error)")
            return nil
        }
    }

    /// A listening stream socket at a new path, closed and removed after `body`.
    private func withListener<R>(_ body: (_ path: String, _ listener: Int32) throws -> R) throws -> R {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/s.sock"
        let listener = try Syscall.unixSocket(.stream)
        defer { Syscall.close(listener) }
        try Syscall.bind(listener, path: path)
        try Syscall.listen(listener, backlog: 4)
        return try body(path, listener)
    }

    @Test func aFailedCallNamesItselfAndItsErrno() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fd = try Syscall.unixSocket(.stream)
        defer { Syscall.close(fd) }
        let error = try #require(failure { try Syscall.bind(fd, path: directory + "/missing/s.sock") })
        #expect(error == SystemCallError("bind", errno: .noSuchFileOrDirectory))
        #expect(error.reason == "No such file or directory")
        #expect("\(error)" == "bind: No such file or directory")
    }

    @Test func connectingToNothingSaysWhy() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fd = try Syscall.unixSocket(.stream)
        defer { Syscall.close(fd) }
        #expect(failure { try Syscall.connect(fd, path: directory + "/none.sock") }?.errno == .noSuchFileOrDirectory)

        // A socket file nobody listens on any more (an agent that crashed): refused, not missing.
        let stale = try Syscall.unixSocket(.stream)
        try Syscall.bind(stale, path: directory + "/stale.sock")
        Syscall.close(stale)
        let again = try Syscall.unixSocket(.stream)
        defer { Syscall.close(again) }
        #expect(failure { try Syscall.connect(again, path: directory + "/stale.sock") }?.errno == .connectionRefused)
    }

    @Test func aPathLongerThanSunPathIsRefusedBeforeTheCall() throws {
        let fd = try Syscall.unixSocket(.stream)
        defer { Syscall.close(fd) }
        let long = "/tmp/" + String(repeating: "x", count: Syscall.maximumUnixPathLength)
        #expect(failure { try Syscall.bind(fd, path: long) } == SystemCallError("bind", errno: .fileNameTooLong))
        #expect(failure { try Syscall.connect(fd, path: "") }?.errno == .noSuchFileOrDirectory)
    }

    @Test func linesGoBothWaysAndTheCallerIsKnown() throws {
        try withListener { path, listener in
            let client = try Syscall.unixSocket(.stream)
            defer { Syscall.close(client) }
            try Syscall.connect(client, path: path)
            let server = try Syscall.accept(listener)
            defer { Syscall.close(server) }
            try Syscall.setTimeouts(server, seconds: 30)
            #expect(try Syscall.peerUserID(server) == Syscall.effectiveUserID)

            try Syscall.sendAll(client, Array("hello\n".utf8))
            var buffer = [UInt8](repeating: 0, count: 64)
            let count = try buffer.withUnsafeMutableBytes { buffer in try Syscall.receive(server, into: buffer) }
            #expect(Array(buffer[..<count]) == Array("hello\n".utf8))

            // The peer leaves: reading sees the end; writing fails with EPIPE instead of raising SIGPIPE (whatever
            // the process does with that signal, MSG_NOSIGNAL keeps it out of the way).
            Syscall.close(client)
            let end = try buffer.withUnsafeMutableBytes { buffer in try Syscall.receive(server, into: buffer) }
            #expect(end == 0)
            let error = failure {
                for _ in 0..<4 { try Syscall.sendAll(server, [UInt8](repeating: 0, count: 1 << 16)) }
            }
            #expect(error?.call == "send")
            #expect(error?.errno == .brokenPipe || error?.errno == .connectionReset)
        }
    }

    @Test func shutdownWakesABlockedAccept() async throws {
        try await confirmation { woke in
            try withListener { _, listener in
                let done = DispatchSemaphore(value: 0)
                let thread = Thread {
                    // Only the shutdown ends this accept; its error is what the control server checks for.
                    if (try? Syscall.accept(listener)) == nil { woke() }
                    done.signal()
                }
                thread.start()
                // The accept may not have started yet: shutdown before it still makes it fail at once.
                try Syscall.shutdown(listener)
                #expect(done.wait(timeout: .now() + 30) == .success)
            }
        }
    }

    @Test func fileStatusTellsKindsPermissionsAndOwner() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Syscall.chmod(directory, permissions: 0o750)
        let status = try Syscall.fileStatus(directory)
        #expect(status == Syscall.FileStatus(kind: .directory, permissions: 0o750, ownerID: Syscall.effectiveUserID))

        let file = directory + "/f"
        _ = FileManager.default.createFile(atPath: file, contents: Data())
        #expect(try Syscall.fileStatus(file).kind == .regular)
        let link = directory + "/link"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: file)
        #expect(try Syscall.fileStatus(link).kind == .regular)
        #expect(try Syscall.fileStatus(link, followSymlinks: false).kind == .other)

        let socket = try Syscall.unixSocket(.stream)
        defer { Syscall.close(socket) }
        try Syscall.bind(socket, path: directory + "/s.sock")
        #expect(try Syscall.fileStatus(directory + "/s.sock", followSymlinks: false).kind == .socket)

        let missing = failure { _ = try Syscall.fileStatus(directory + "/none", followSymlinks: false) }
        #expect(missing == SystemCallError("lstat", errno: .noSuchFileOrDirectory))
        #expect(failure { try Syscall.unlink(directory + "/none") }?.errno == .noSuchFileOrDirectory)
        #expect(failure { try Syscall.chmod(directory + "/none", permissions: 0o600) }?.call == "chmod")
    }

    @Test func renameReplacesOrSaysWhyNot() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = FileManager.default.createFile(atPath: directory + "/a", contents: Data("a".utf8))
        try Syscall.rename(directory + "/a", to: directory + "/b")
        #expect(FileManager.default.contents(atPath: directory + "/b") == Data("a".utf8))
        #expect(
            failure { try Syscall.rename(directory + "/a", to: directory + "/c") }
                == SystemCallError("rename", errno: .noSuchFileOrDirectory)
        )
    }

    @Test(arguments: [false, true])
    func aDatagramArrivesAtAPathOrAnAbstractName(abstract: Bool) throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let name = abstract ? "@dojo-syscall-test-\(UUID().uuidString.prefix(8))" : directory + "/notify"
        let receiver = try Syscall.unixSocket(.datagram)
        defer { Syscall.close(receiver) }
        try Syscall.bind(receiver, path: name)
        try Syscall.setTimeouts(receiver, seconds: 30)
        try Syscall.sendDatagram(to: name, Array("READY=1".utf8))
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = try buffer.withUnsafeMutableBytes { buffer in try Syscall.receive(receiver, into: buffer) }
        #expect(String(decoding: buffer[..<count], as: UTF8.self) == "READY=1")

        let nobody = failure { try Syscall.sendDatagram(to: directory + "/nobody", Array("x".utf8)) }
        #expect(nobody == SystemCallError("sendto", errno: .noSuchFileOrDirectory))
    }

    @Test func signalNamesAndTheMonotonicClock() {
        #expect(Syscall.signalName(9) == "SIGKILL")
        #expect(Syscall.signalName(1234) == nil)
        let first = Syscall.monotonicMicroseconds()
        #expect(Syscall.monotonicMicroseconds() >= first)
        #expect(Syscall.processID == ProcessInfo.processInfo.processIdentifier)
    }
}
