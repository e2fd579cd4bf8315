import AgentSupport
import Dispatch
import Foundation
public import Logging
public import ServiceLifecycle
import SystemCalls
import SystemPackage

/// The agent's local control socket: `control.sock` in the state directory, a Unix stream socket with mode 0600
/// in an owner-only directory, speaking newline-delimited JSON (one ``ControlRequest`` per line, one
/// ``ControlResponse`` per line back, in order).
///
/// Commands are looked up in a handler table, so the composition root adds its own (`status`) beside
/// ``ControlCommands/notify(outbox:)``. Only the agent's user and root may connect (the socket's mode, and the
/// peer's uid checked with `SO_PEERCRED`).
///
/// Threads, not NIO: one thread blocks in `accept`, and one thread per connection (at most
/// ``maximumConnections``, idle ones dropped after 60 s) reads lines; each request is handed to `run()`'s task group,
/// which runs the handler and hands the answer back to the connection thread. A stale socket file left by a
/// crashed agent is removed at start; a socket another live agent answers on is an error.
public struct ControlServer: Service {
    /// At most this many client connections at once; more are answered with an error and closed.
    public static let maximumConnections = 16

    private let socketPath: String
    private let handlers: [String: ControlCommandHandler]
    private let logger: Logger
    private let onListening: (@Sendable () -> Void)?
    private let groupAccess: Bool
    /// Where the watchdog's probes enter the request loop (set by `run`).
    private let probeSink = PThreadLock<AsyncStream<Work>.Continuation?>(nil)

    /// - Parameters:
    ///   - socketPath: `<state_directory>/control.sock` (at most 107 bytes).
    ///   - handlers: command name → handler, for example `["notify": ControlCommands.notify(outbox: outbox)]`.
    ///   - logger: `dojo.control`.
    ///   - onListening: called once the socket accepts connections (readiness for systemd, or for tests).
    ///   - groupAccess: `agent.control_socket_group_access`: the socket is 0660 in a directory that may be 0750
    ///     (systemd's `RuntimeDirectory=`), so members of the agent's group (POS scripts) may use it; the file
    ///     modes are then the check, not the peer's uid.
    public init(
        socketPath: String,
        handlers: [String: ControlCommandHandler],
        logger: Logger,
        onListening: (@Sendable () -> Void)? = nil,
        groupAccess: Bool = false
    ) {
        self.groupAccess = groupAccess
        self.socketPath = socketPath
        self.handlers = handlers
        self.logger = logger
        self.onListening = onListening
    }

    /// A request waiting for its answer, and the connection thread waiting for it.
    private final class Job: Sendable {
        let request: Result<ControlRequest, ControlError>
        private let answer = PThreadLock<ControlResponse?>(nil)
        private let ready = DispatchSemaphore(value: 0)

        init(request: Result<ControlRequest, ControlError>) {
            self.request = request
        }

        func reply(_ response: ControlResponse) {
            self.answer.withLock { $0 = response }
            self.ready.signal()
        }

        /// Blocks the (connection) thread until the answer arrives.
        func waitForReply() -> ControlResponse {
            self.ready.wait()
            return self.answer.withLock { $0 } ?? .failure("the agent is shutting down")
        }
    }

    /// What the request loop takes: a client's request, or a liveness probe it answers on its turn.
    private enum Work: Sendable {
        case job(Job)
        case probe(@Sendable () -> Void)
    }

    /// The watchdog's liveness probe: `answer` is called by the request loop when it takes the probe in turn (a
    /// loop wedged on a request never answers). Before the loop runs (starting) or once it has ended, there is no
    /// loop to be wedged: the probe is answered at once rather than lost (a lost probe would read as a wedge).
    public func probe(_ answer: @escaping @Sendable () -> Void) {
        let queued = self.probeSink.withLock { sink -> Bool in
            guard let sink, case .enqueued = sink.yield(.probe(answer)) else { return false }
            return true
        }
        if !queued { answer() }
    }

    /// Descriptors shared between the accept thread, connection threads and `run()`.
    private struct Sockets {
        var listener: Int32 = -1
        var clients: Set<Int32> = []
        var stopping = false
    }

    public func run() async throws {
        let listener = try self.listen()
        let sockets = PThreadLock(Sockets(listener: listener))
        let threads = DispatchGroup()
        let (jobs, jobSink) = AsyncStream.makeStream(of: Work.self)
        self.probeSink.withLock { $0 = jobSink }
        defer { self.probeSink.withLock { $0 = nil } }
        self.logger.info("control socket listening", metadata: ["control.path": "\(self.socketPath)"])

        threads.enter()
        do {
            try NamedThread.start("dojo-control") { [self] in
                self.acceptLoop(sockets: sockets, jobs: jobSink, threads: threads)
                threads.leave()
            }
        } catch {
            Syscall.close(listener)
            try? Syscall.unlink(self.socketPath)
            throw ControlError(.socketFailed, "could not start the control socket's thread: \(error)")
        }
        self.onListening?()

        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for await work in jobs.cancelOnGracefulShutdown() {
                    switch work {
                    case .job(let job): group.addTask { job.reply(await self.answer(job.request)) }
                    case .probe(let answer): answer()
                    }
                }
            }
        } onGracefulShutdown: {
            jobSink.finish()
        }
        jobSink.finish()

        // Wake every blocked thread: shutdown() makes accept/recv return; each thread closes its own descriptor.
        sockets.withLock { sockets in
            sockets.stopping = true
            try? Syscall.shutdown(sockets.listener)
            for client in sockets.clients { try? Syscall.shutdown(client) }
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            threads.notify(queue: .global()) { continuation.resume() }
        }
        Syscall.close(listener)
        try? Syscall.unlink(self.socketPath)
        self.logger.info("control socket closed")
    }

    private func answer(_ request: Result<ControlRequest, ControlError>) async -> ControlResponse {
        switch request {
        case .failure(let error):
            return .failure(error.message)
        case .success(let request):
            guard let handler = self.handlers[request.command] else {
                let known = self.handlers.keys.sorted().joined(separator: ", ")
                return .failure("unknown command \"\(request.command)\"; this agent understands: \(known)")
            }
            return await handler(request)
        }
    }

    // MARK: - Socket set-up

    /// Makes the directory owner-only, removes a stale socket, binds with mode 0600 and listens.
    private func listen() throws(ControlError) -> Int32 {
        let directory = (self.socketPath as NSString).deletingLastPathComponent
        try Self.secureDirectory(
            directory.isEmpty ? "." : directory,
            groupAccess: self.groupAccess,
            logger: self.logger
        )
        try UnixSocket.checkPath(self.socketPath)
        try self.removeStaleSocket()
        let fd = try UnixSocket.makeSocket()
        do {
            try Syscall.bind(fd, path: self.socketPath)
        } catch {
            Syscall.close(fd)
            throw ControlError(.socketFailed, "cannot create the control socket \(self.socketPath): \(error.reason)")
        }
        // The directory is owner-only (or owner and group), so no other user can reach the socket between bind
        // and chmod.
        do {
            try Syscall.chmod(self.socketPath, permissions: self.groupAccess ? 0o660 : 0o600)
            try Syscall.listen(fd, backlog: 16)
        } catch {
            Syscall.close(fd)
            try? Syscall.unlink(self.socketPath)
            throw ControlError(
                .socketFailed,
                "cannot listen on the control socket \(self.socketPath): \(error.reason)"
            )
        }
        return fd
    }

    /// The state directory must not let other users replace the socket: created 0700 if missing, tightened to
    /// 0700 if it is ours and open to others, refused if someone else owns it and others can write to it. With
    /// `groupAccess` the group keeps its bits (0750 is fine); only other users' are removed.
    static func secureDirectory(_ directory: String, groupAccess: Bool = false, logger: Logger) throws(ControlError) {
        let forbidden: UInt32 = groupAccess ? 0o007 : 0o077
        let info: Syscall.FileStatus
        do {
            info = try Syscall.fileStatus(directory)
        } catch {
            guard error.errno == .noSuchFileOrDirectory else {
                throw ControlError(.socketFailed, "cannot inspect \(directory): \(error.reason)")
            }
            do {
                try FileManager.default.createDirectory(
                    atPath: directory,
                    withIntermediateDirectories: true,
                    attributes: [.posixPermissions: groupAccess ? 0o750 : 0o700]
                )
            } catch {
                throw ControlError(.socketFailed, "cannot create the state directory \(directory): \(error)")
            }
            return
        }
        guard info.kind == .directory else {
            throw ControlError(.insecure, "\(directory) is not a directory")
        }
        if info.ownerID == Syscall.effectiveUserID {
            if info.permissions & forbidden != 0 {
                do {
                    try Syscall.chmod(directory, permissions: info.permissions & 0o777 & ~forbidden)
                } catch {
                    throw ControlError(.insecure, "cannot make \(directory) owner-only: \(error.reason)")
                }
                logger.notice("state directory made owner-only (0700)", metadata: ["control.directory": "\(directory)"])
            }
        } else if info.permissions & 0o022 != 0 {
            throw ControlError(
                .insecure,
                "\(directory) belongs to another user and others can write to it; use an owner-only state directory"
            )
        }
    }

    private func removeStaleSocket() throws(ControlError) {
        guard let info = try? Syscall.fileStatus(self.socketPath, followSymlinks: false) else { return }
        guard info.kind == .socket else {
            throw ControlError(
                .insecure,
                "\(self.socketPath) exists and is not a socket; remove it if it is not needed, then start again"
            )
        }
        do throws(ControlError) {
            let fd = try UnixSocket.connect(to: self.socketPath)
            Syscall.close(fd)
            throw ControlError(
                .alreadyRunning,
                "another dojo-agent is running with this state directory (it answers on \(self.socketPath)); stop it first"
            )
        } catch  where error.code == .agentNotRunning {
            // Left by an agent that did not shut down cleanly: nobody listens, so it is safe to replace.
            try? Syscall.unlink(self.socketPath)
            self.logger.notice("removed a stale control socket", metadata: ["control.path": "\(self.socketPath)"])
        }
    }

    // MARK: - Threads

    private func acceptLoop(sockets: PThreadLock<Sockets>, jobs: AsyncStream<Work>.Continuation, threads: DispatchGroup)
    {
        let listener = sockets.withLock { $0.listener }
        while true {
            let client: Int32
            do {
                client = try Syscall.accept(listener)
            } catch {
                if error.errno == .connectionAbort { continue }
                if sockets.withLock({ $0.stopping }) { return }
                switch error.errno {
                case .tooManyOpenFiles, .tooManyOpenFilesInSystem, .noBufferSpace, .noMemory:
                    self.logger.error("control socket cannot accept", metadata: ["error": "\(error.reason)"])
                    Thread.sleep(forTimeInterval: 0.1)  // resource exhaustion: back off instead of spinning
                    continue
                default:
                    return
                }
            }
            let admitted: Bool = sockets.withLock { sockets in
                guard !sockets.stopping, sockets.clients.count < Self.maximumConnections else { return false }
                sockets.clients.insert(client)
                return true
            }
            guard admitted else {
                UnixSocket.writeLine(client, ControlResponse.failure("too many control connections; try again").line)
                Syscall.close(client)
                continue
            }
            threads.enter()
            // Ends the client's connection, whether its thread served it or could not start.
            let release: @Sendable () -> Void = {
                sockets.withLock { sockets in
                    sockets.clients.remove(client)
                    Syscall.close(client)
                }
                threads.leave()
            }
            do {
                try NamedThread.start("dojo-ctl-conn") { [self] in
                    self.serve(client, jobs: jobs)
                    release()
                }
            } catch {
                // The system is out of threads: this client hears why, and the agent serves the next one.
                self.logger.warning(
                    "could not start a thread for a control connection",
                    metadata: ["error": "\(error)"]
                )
                UnixSocket.writeLine(
                    client,
                    ControlResponse.failure("the agent could not start a thread for this request (\(error)); try again")
                        .line
                )
                release()
            }
        }
    }

    private func serve(_ fd: Int32, jobs: AsyncStream<Work>.Continuation) {
        if !self.groupAccess, let refusal = Self.peerRefusal(fd) {
            UnixSocket.writeLine(fd, ControlResponse.failure(refusal).line)
            return
        }
        UnixSocket.setTimeouts(fd, seconds: 60)
        var reader = UnixSocket.LineReader(fd: fd)
        while true {
            let request: Result<ControlRequest, ControlError>
            switch reader.next() {
            case .line(let line):
                if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
                do {
                    request = .success(try ControlRequest(line: line))
                } catch {
                    request = .failure(error)
                }
            case .tooLong:
                UnixSocket.writeLine(
                    fd,
                    ControlResponse.failure("request longer than \(UnixSocket.maximumLineLength) bytes").line
                )
                return
            case .end, .failed:
                return
            }
            let job = Job(request: request)
            guard case .enqueued = jobs.yield(.job(job)) else {
                UnixSocket.writeLine(fd, ControlResponse.failure("the agent is shutting down").line)
                return
            }
            guard UnixSocket.writeLine(fd, job.waitForReply().line) == nil else { return }
        }
    }

    /// Only the agent's own user and root may use the socket (the mode already says so; this also covers a
    /// socket file whose mode someone loosened).
    private static func peerRefusal(_ fd: Int32) -> String? {
        guard let uid = try? Syscall.peerUserID(fd) else { return nil }
        guard uid == Syscall.effectiveUserID || uid == 0 else {
            return "permission denied: only the agent's user and root may use the control socket"
        }
        return nil
    }
}
