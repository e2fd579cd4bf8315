import AgentSupport
import DojoAdapter
import DojoProtocol
import Foundation
import Logging
import ServiceLifecycle
import Subprocess
import SystemCalls
import SystemPackage

// The process's life, one incarnation at a time:
//
//   run() ─► runProcess(n) ─► Subprocess.run(command) { supervise(execution, link) } ─► exit status
//              │                   ├─ stdout reader: lines → responses to pending calls, agent/publishEvent
//              │                   ├─ control: initialize → ready; then waits for hang reports / shutdown
//              │                   ├─ health check: ping every interval
//              │                   ├─ stdin pump: link.outgoingLines → the process's stdin
//              │                   ├─ stderr relay: lines → logger      (drains to EOF)
//              │                   └─ event publisher: publish(event) → answer (drains its queue)
//              └─ link.close(...) fails what is still pending, naming the exit status; backoff; again.
//
// The first of "stdout ended", "a request hung", "initialize failed" and "shutdown timed out" ends the incarnation:
// the process is stopped (SIGKILL to its process group if hung, otherwise SIGTERM then SIGKILL), which unblocks
// every reader, and the incarnation's tasks all end inside Subprocess.run's scope.

extension ProcessAdapter {
    /// Why an incarnation ended.
    enum EndReason: Equatable {
        /// The process closed stdout (it exited, or crashed).
        case exited
        /// The process closed stdout but was still running a moment later: the agent stops it.
        case closedStandardOutput
        /// A request or ping got no answer in time.
        case hung(method: String, after: Duration)
        /// `initialize` failed: no answer, an error, or an unusable declaration.
        case initializeFailed(String)
        /// At shutdown, the process did not exit in time after `shutdown` and the end of stdin.
        case shutdownTimedOut
        /// The agent shut down before the process answered `initialize`.
        case stoppedBeforeReady

        /// Added to the exit status in logs and errors.
        var detail: String? {
            switch self {
            case .exited: nil
            case .closedStandardOutput: "closed its stdout while still running, so the agent stopped it"
            case .hung(let method, let after): "killed after \(method) got no answer within \(formatDuration(after))"
            case .initializeFailed(let reason): "initialize failed: \(reason)"
            case .shutdownTimedOut: "did not exit within the shutdown timeout"
            case .stoppedBeforeReady: "stopped before it answered initialize"
            }
        }
    }

    /// The incarnation's summary for the restart decision.
    struct Outcome {
        /// How long it served after `initialize`, `nil` if it never did.
        var servedFor: Duration?
    }

    /// A POS event from the process, and the id to answer when it came as a request.
    struct QueuedEvent: Sendable {
        var event: PosEvent
        var replyID: JSONValue?
    }

    var isShuttingDown: Bool { shared.withLock { $0.shuttingDown } }

    /// Runs the adapter process until graceful shutdown (or cancellation), restarting it whenever it ends.
    ///
    /// The program must ignore `SIGPIPE` (`dojo-agent run` does, `Syscall.ignoreBrokenPipeSignal()`): writing to a
    /// process that has just died raises it, and its default action ends the whole program; ignored, the write
    /// fails with EPIPE and the death is handled like any other. A library does not set process-wide signals.
    public func run() async throws {
        var backoff = Backoff(policy: configuration.restartPolicy)
        var incarnation = 0
        await withGracefulShutdownHandler {
            while !isShuttingDown, !Task.isCancelled {
                incarnation += 1
                let outcome = await runProcess(incarnation: incarnation)
                if isShuttingDown || Task.isCancelled { break }
                if let servedFor = outcome.servedFor { backoff.recordSuccess(healthyFor: servedFor) }
                let delay = backoff.nextDelay()
                statusBroadcast.update { $0?.state = .restarting(after: delay) }
                logger.notice(
                    "restarting the adapter process",
                    metadata: [
                        "retry_in": "\(formatDuration(delay))", "attempt": "\(backoff.failures)",
                    ]
                )
                let clock = self.clock
                try? await cancelWhenGracefulShutdown { try await clock.sleep(for: delay) }
            }
        } onGracefulShutdown: {
            self.requestShutdown()
        }
        shared.withLock { shared in
            shared.stopped = true
            shared.readyLink = nil
        }
        statusBroadcast.update { $0?.state = .stopped }
        statusBroadcast.finish()
        capabilityBroadcast.finish()
    }

    /// The watchdog's liveness probe: while a process runs, its supervisor loop calls `answer` when it takes the
    /// probe in turn (a supervisor wedged in a turn never answers); between incarnations the supervisor sleeps in
    /// a bounded restart backoff and answers at once.
    public func probe(_ answer: @escaping @Sendable () -> Void) {
        guard let link = shared.withLock({ $0.liveLink }) else {
            answer()
            return
        }
        link.report(.probe(answer))
    }

    /// Graceful shutdown: no new requests, and the running process is asked to stop.
    private func requestShutdown() {
        let live = shared.withLock { shared in
            shared.shuttingDown = true
            return shared.liveLink
        }
        live?.report(.shutdownRequested)
    }

    // MARK: - One incarnation

    private func runProcess(incarnation: Int) async -> Outcome {
        let link = AdapterProcessLink(incarnation: incarnation)
        let shuttingDown = shared.withLock { shared in
            shared.liveLink = link
            return shared.shuttingDown
        }
        if shuttingDown { link.report(.shutdownRequested) }
        statusBroadcast.update { status in
            status?.state = .starting
            status?.incarnation = incarnation
            status?.processID = nil
        }

        var platformOptions = PlatformOptions()
        // Its own process group, so a hang kill also reaches what it spawned and a terminal's ^C does not.
        platformOptions.processGroupID = 0
        platformOptions.teardownSequence = [
            .gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: .seconds(2))
        ]
        let executable = Self.executable(configuration.command[0], workingDirectory: configuration.workingDirectory)
        var environment: [Environment.Key: String?] = [:]
        for (key, value) in configuration.environment { environment[Environment.Key(stringLiteral: key)] = value }

        var reason = EndReason.exited
        var exit: String
        let servedSince = PThreadLock<ContinuousClock.Instant?>(nil)
        do {
            let result = try await Subprocess.run(
                executable,
                arguments: Arguments(Array(configuration.command.dropFirst())),
                environment: .inherit.updating(environment),
                workingDirectory: configuration.workingDirectory.map { FilePath($0) },
                platformOptions: platformOptions,
                input: .inputWriter,
                output: .sequence,
                error: .sequence
            ) { execution in
                await self.supervise(execution, link: link) { servedSince.withLock { $0 = .now } }
            }
            reason = result.closureResult
            exit = Self.describe(result.terminationStatus)
        } catch {
            exit = "could not start: \(error)"
            logger.error(
                "could not start the adapter process",
                metadata: ["adapter.command": "\(configuration.command)", "adapter.error": .quoted(describing: error)]
            )
        }

        let summary = [exit, reason.detail].compactMap { $0 }.joined(separator: ", ")
        shared.withLock { shared in
            if shared.readyLink === link { shared.readyLink = nil }
            if shared.liveLink === link { shared.liveLink = nil }
        }
        let stopping = isShuttingDown
        let failed = link.close(
            with: stopping
                ? ProcessAdapterError(.shuttingDown, "the adapter process stopped (\(summary))")
                : ProcessAdapterError(.processExited, "the adapter process ended (\(summary))")
        )
        for request in failed {
            logger.warning(
                "adapter request failed: the adapter process ended",
                metadata: [
                    "rpc.method": "\(request.method)", "adapter.request_id": "\(request.id)",
                    "adapter.exit": .quoted(summary), "adapter.incarnation": "\(incarnation)",
                ]
            )
        }
        let uptime = servedSince.withLock { $0 }.map { ContinuousClock.now - $0 }
        let metadata: Logger.Metadata = [
            "adapter.exit": .quoted(summary), "adapter.incarnation": "\(incarnation)",
            "adapter.served": "\(uptime.map(formatDuration) ?? "never initialised")",
        ]
        if stopping && reason == .exited {
            logger.info("adapter process stopped", metadata: metadata)
        } else {
            logger.error("adapter process ended", metadata: metadata)
        }
        statusBroadcast.update { status in
            status?.processID = nil
            status?.lastExit = summary
        }
        return Outcome(servedFor: uptime)
    }

    /// Everything that happens while the process runs; returns once it is stopped.
    private func supervise(
        _ execution: Execution<CustomWriteInput, SequenceOutput, SequenceOutput>,
        link: AdapterProcessLink,
        onReady: @escaping @Sendable () -> Void
    ) async -> EndReason {
        let processID = execution.processIdentifier.value
        statusBroadcast.update { $0?.processID = processID }
        logger.info(
            "adapter process started",
            metadata: [
                "adapter.pid": "\(processID)", "adapter.incarnation": "\(link.incarnation)",
                "adapter.command": "\(configuration.command)",
            ]
        )
        let (events, eventSink) = AsyncStream.makeStream(of: QueuedEvent.self)
        let standardOutput = execution.standardOutput
        let standardError = execution.standardError
        let standardInput = execution.standardInputWriter
        return await withTaskGroup(of: Void.self) { drained in
            drained.addTask { await self.relayStandardError(standardError, processID: processID) }
            drained.addTask { await self.publishEvents(events, link: link) }
            let reason = await withTaskGroup(of: EndReason?.self) { group in
                group.addTask {
                    await self.readStandardOutput(standardOutput, link: link, events: eventSink)
                    return await Self.isStillRunning(processID) ? .closedStandardOutput : .exited
                }
                group.addTask { await self.control(link, onReady: onReady) }
                if let interval = configuration.healthCheckInterval {
                    group.addTask { await self.checkHealth(link, every: interval) }
                }
                group.addTask {
                    await self.pumpStandardInput(link, into: standardInput)
                    return nil
                }
                var reason = EndReason.exited
                for await result in group {
                    if let result {
                        reason = result
                        break
                    }
                }
                await self.stop(execution, after: reason)
                group.cancelAll()
                return reason
            }
            eventSink.finish()
            return reason
        }
    }

    /// Makes sure the process is gone: SIGKILL to its group at once when it hung, otherwise SIGTERM first.
    private func stop(
        _ execution: Execution<CustomWriteInput, SequenceOutput, SequenceOutput>,
        after reason: EndReason
    ) async {
        switch reason {
        case .hung(let method, let after):
            logger.error(
                "adapter process hung: killing it",
                metadata: [
                    "rpc.method": "\(method)", "adapter.timeout": "\(formatDuration(after))",
                    "adapter.pid": "\(execution.processIdentifier.value)",
                ]
            )
            try? execution.send(signal: .kill, toProcessGroup: true)
            await execution.teardown(using: [])
        case .initializeFailed, .shutdownTimedOut, .stoppedBeforeReady:
            await execution.teardown(using: [
                .gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: .seconds(2))
            ])
        case .exited, .closedStandardOutput:
            // Usually it has exited already; this only waits for it, or stops one that closed stdout and lingers.
            await execution.teardown(using: [
                .gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: .seconds(2))
            ])
        }
    }

    // MARK: - The incarnation's tasks

    /// `initialize`, then hang reports and shutdown. Returns a reason to end the incarnation, or nil when it has
    /// nothing more to decide.
    ///
    /// Everything arrives through the link's single control stream (a second iterator would end it): the
    /// `initialize` exchange runs beside the loop and reports its outcome there too, so a shutdown can overtake a
    /// process that is slow to start.
    private func control(_ link: AdapterProcessLink, onReady: @escaping @Sendable () -> Void) async -> EndReason? {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { link.report(.initializeFinished(failure: await self.initialize(link, onReady: onReady))) }
            defer { group.cancelAll() }
            var ready = false
            for await event in link.controlEvents {
                switch event {
                case .initializeFinished(let failure):
                    if let failure { return .initializeFailed(failure) }
                    ready = true
                case .probe(let answer):
                    answer()
                case .hung(let method, let after):
                    // The initialize timeout is reported as its outcome.
                    if method != "initialize" { return .hung(method: method, after: after) }
                case .shutdownRequested:
                    guard ready else { return .stoppedBeforeReady }
                    logger.info(
                        "stopping the adapter process",
                        metadata: ["adapter.incarnation": "\(link.incarnation)"]
                    )
                    // A polite `shutdown`, then end of stdin: a well-behaved adapter exits on EOF.
                    _ = try? await link.call(
                        "shutdown",
                        params: nil,
                        timeout: configuration.shutdownTimeout,
                        clock: clock
                    )
                    link.closeInput()
                    do {
                        try await clock.sleep(for: configuration.shutdownTimeout)
                    } catch {
                        return nil
                    }
                    return .shutdownTimedOut
                }
            }
            return nil
        }
    }

    /// Exchanges `initialize` and, on success, makes the process the one requests go to. Returns why it failed,
    /// or nil when ready (or when the link closed under it: the process is going anyway).
    private func initialize(_ link: AdapterProcessLink, onReady: @Sendable () -> Void) async -> String? {
        let params = AdapterInitializeParams(
            protocolVersion: Self.protocolVersion,
            agent: AdapterPeer(name: agentName, version: agentVersion)
        ).jsonValue
        do {
            let answer = try await link.call(
                "initialize",
                params: params,
                timeout: configuration.initializeTimeout,
                clock: clock
            )
            try becomeReady(link, answer: answer)
            onReady()
            return nil
        } catch let error as ProcessAdapterError where error.code == .hung {
            return "no answer within \(formatDuration(configuration.initializeTimeout))"
        } catch let error as InitializeRefused {
            logger.error(
                "adapter process refused or failed initialize",
                metadata: ["adapter.reason": .quoted(error.reason)]
            )
            return error.reason
        } catch {
            return nil
        }
    }

    private struct InitializeRefused: Error {
        var reason: String
    }

    /// Checks the `initialize` answer and, if usable, makes this process the one requests go to.
    private func becomeReady(_ link: AdapterProcessLink, answer: AdapterProcessLink.Answer) throws {
        let result: JSONValue
        switch answer {
        case .error(let remote):
            throw InitializeRefused(reason: "error \(remote.code): \(remote.message)")
        case .result(let value):
            result = value
        }
        guard let version = result["protocolVersion"]?.stringValue else {
            throw InitializeRefused(reason: "result.protocolVersion: required string is missing")
        }
        guard version == Self.protocolVersion else {
            throw InitializeRefused(
                reason: "protocol version \(version) is not supported (this agent speaks \(Self.protocolVersion))"
            )
        }
        guard case .array(let names)? = result["capabilities"] else {
            throw InitializeRefused(reason: "result.capabilities: required array of capability names is missing")
        }
        var declared: Set<Capability> = []
        for name in names {
            guard let text = name.stringValue, let capability = Capability(name: text) else {
                logger.warning(
                    "adapter process declared an unknown capability; ignoring it",
                    metadata: ["adapter.capability": .quoted(name.stringValue ?? name.serialized())]
                )
                continue
            }
            declared.insert(capability)
        }
        let adapterName = result["adapter"]?["name"]?.stringValue
        let adapterVersion = result["adapter"]?["version"]?.stringValue
        let previous = capabilityBroadcast.value
        capabilityBroadcast.update { $0 = declared }
        shared.withLock { $0.readyLink = link }
        statusBroadcast.update { status in
            status?.state = .ready
            status?.adapterName = adapterName
            status?.adapterVersion = adapterVersion
        }
        logger.info(
            "adapter process ready",
            metadata: [
                "adapter.name": .quoted(adapterName ?? "?"), "adapter.version": .quoted(adapterVersion ?? "?"),
                "adapter.incarnation": "\(link.incarnation)", "adapter.capabilities": "\(declared.count)",
                "adapter.capabilities_changed": "\(previous != nil && previous != declared)",
            ]
        )
    }

    /// Pings the process every `interval`; an unanswered ping is a hang (reported by the call itself).
    private func checkHealth(_ link: AdapterProcessLink, every interval: Duration) async -> EndReason? {
        while true {
            do {
                try await clock.sleep(for: interval)
                _ = try await link.call("ping", params: nil, timeout: configuration.healthCheckTimeout, clock: clock)
            } catch let error as ProcessAdapterError where error.code == .hung {
                return .hung(method: "ping", after: configuration.healthCheckTimeout)
            } catch {
                return nil  // cancelled, or the link is closing
            }
        }
    }

    /// Copies queued lines to the process's stdin until the link ends it or a write fails.
    private func pumpStandardInput(_ link: AdapterProcessLink, into writer: StandardInputWriter) async {
        for await line in link.outgoingLines {
            do {
                _ = try await writer.write(line)
            } catch {
                logger.debug(
                    "writing to the adapter process failed",
                    metadata: ["adapter.error": .quoted(describing: error)]
                )
                break
            }
        }
        try? await writer.finish()
    }

    /// Reads protocol lines until the process closes stdout.
    private func readStandardOutput(
        _ output: SubprocessOutputSequence,
        link: AdapterProcessLink,
        events: AsyncStream<QueuedEvent>.Continuation
    ) async {
        var framer = LineFramer(maximumLineLength: configuration.maximumLineLength)
        do {
            for try await buffer in output {
                for item in buffer.withUnsafeBytes({ framer.append($0) }) {
                    handle(item, link: link, events: events)
                }
            }
        } catch {
            logger.debug(
                "reading the adapter process's stdout ended",
                metadata: ["adapter.error": .quoted(describing: error)]
            )
        }
        for item in framer.finish() { handle(item, link: link, events: events) }
    }

    /// Copies the process's stderr to the log, one entry per line.
    private func relayStandardError(_ output: SubprocessOutputSequence, processID: Int32) async {
        var framer = LineFramer(maximumLineLength: configuration.maximumLineLength)
        let log = { (item: LineFramer.Item) in
            switch item {
            case .line(let bytes):
                // The line is the process's own log message; it goes out as the message, like journald does, but
                // escaped and clipped (LogText) so it cannot forge or stretch a line of the agent's log.
                self.logger.info(
                    "\(LogText.escaped(String(decoding: bytes, as: UTF8.self)))",
                    metadata: ["adapter.pid": "\(processID)"]
                )
            case .oversized(let length):
                self.logger.warning(
                    "adapter process wrote an over-long stderr line; dropped",
                    metadata: ["adapter.pid": "\(processID)", "adapter.line_bytes": "\(length)"]
                )
            }
        }
        do {
            for try await buffer in output {
                for item in buffer.withUnsafeBytes({ framer.append($0) }) { log(item) }
            }
        } catch {
            logger.debug(
                "reading the adapter process's stderr ended",
                metadata: ["adapter.error": .quoted(describing: error)]
            )
        }
        for item in framer.finish() { log(item) }
    }

    /// Acts on one line from the process's stdout.
    private func handle(
        _ item: LineFramer.Item,
        link: AdapterProcessLink,
        events: AsyncStream<QueuedEvent>.Continuation
    ) {
        guard case .line(let line) = item else {
            if case .oversized(let length) = item {
                logger.warning(
                    "adapter process wrote an over-long line; dropped",
                    metadata: [
                        "adapter.line_bytes": "\(length)", "adapter.limit": "\(configuration.maximumLineLength)",
                    ]
                )
            }
            return
        }
        switch ProcessMessage(line: line) {
        case .response(let id, let outcome):
            if !link.resume(id: id, with: .success(outcome)) {
                // Never sent, already answered, or timed out (the hang is handled): say so, it is a vendor bug.
                logger.warning(
                    "adapter process answered a request nobody waits for; ignoring the answer",
                    metadata: ["adapter.request_id": .quoted(String(id))]
                )
            }
        case .request(let id, let method, let params):
            guard method == "agent/publishEvent" else {
                logger.warning(
                    "adapter process called an unknown agent method",
                    metadata: ["adapter.method": .quoted(method)]
                )
                link.write(
                    ProcessMessage.errorLine(
                        id: id,
                        code: ProcessMessage.Code.methodNotFound,
                        message: "method not found: \(method)"
                    )
                )
                return
            }
            do {
                events.yield(QueuedEvent(event: try Self.event(from: params), replyID: id))
            } catch {
                logger.warning(
                    "adapter process published an invalid event",
                    metadata: ["adapter.reason": .quoted(error.message)]
                )
                link.write(
                    ProcessMessage.errorLine(id: id, code: ProcessMessage.Code.invalidParams, message: error.message)
                )
            }
        case .notification(let method, let params):
            guard method == "agent/publishEvent" else {
                logger.warning(
                    "adapter process sent an unknown notification; ignoring it",
                    metadata: ["adapter.method": .quoted(method)]
                )
                return
            }
            do {
                events.yield(QueuedEvent(event: try Self.event(from: params), replyID: nil))
            } catch {
                logger.warning(
                    "adapter process published an invalid event",
                    metadata: ["adapter.reason": .quoted(error.message)]
                )
            }
        case .invalid(let reason, let requestID, let responseID):
            logger.warning(
                "adapter process wrote a line that is not JSON-RPC; ignoring it",
                metadata: ["adapter.reason": .quoted(reason), "adapter.line_bytes": "\(line.count)"]
            )
            logger.trace(
                "adapter process line",
                metadata: ["adapter.line": .quoted(String(decoding: line.prefix(800), as: UTF8.self))]
            )
            if let requestID {
                link.write(
                    ProcessMessage.errorLine(id: requestID, code: ProcessMessage.Code.invalidRequest, message: reason)
                )
            }
            if let responseID, let method = link.method(ofPending: responseID) {
                link.resume(
                    id: responseID,
                    with: .failure(ProcessAdapterError(.invalidResponse, "\(method) got a malformed answer: \(reason)"))
                )
            }
        }
    }

    /// Decodes `agent/publishEvent` params: Dojo's event body, `{"eventType":…,"event":{"<idKey>":…}}`.
    static func event(from params: JSONValue?) throws(DojoProtocolError) -> PosEvent {
        try PosEvent(json: params ?? .null, path: "params")
    }

    /// Stores the process's events in the order it sent them; answers each request once `publish` returned.
    private func publishEvents(_ events: AsyncStream<QueuedEvent>, link: AdapterProcessLink) async {
        for await queued in events {
            do {
                try await publish(queued.event)
                logger.debug("adapter event stored", metadata: ["adapter.event": .quoted(describing: queued.event)])
                if let id = queued.replyID { link.write(ProcessMessage.resultLine(id: id, [:])) }
            } catch {
                logger.error(
                    "could not store the adapter process's event",
                    metadata: [
                        "adapter.event": .quoted(describing: queued.event), "adapter.error": .quoted(describing: error),
                    ]
                )
                if let id = queued.replyID {
                    link.write(
                        ProcessMessage.errorLine(
                            id: id,
                            code: ProcessMessage.Code.eventNotStored,
                            message: "the agent could not store the event: \(error)"
                        )
                    )
                }
            }
        }
    }

    /// A name is looked up in `PATH`; a relative path is taken from the working directory the process gets.
    static func executable(_ command: String, workingDirectory: String?) -> Executable {
        guard command.contains("/") else { return .name(command) }
        var path = FilePath(command)
        if path.isRelative {
            let base = workingDirectory.map { FilePath($0) } ?? FilePath(FileManager.default.currentDirectoryPath)
            path = base.pushing(path)
        }
        return .path(path)
    }

    /// Whether the process is still running shortly after it closed stdout (an exiting process closes its files
    /// a moment before it becomes waitable, hence the second look). Leaves the process for Subprocess to reap.
    static func isStillRunning(_ processID: Int32) async -> Bool {
        for attempt in 0..<2 {
            if Syscall.hasExited(processID) { return false }
            if attempt == 0 { try? await Task.sleep(for: .milliseconds(100)) }
        }
        return true
    }

    /// `exit status 1`, `killed by signal 9 (SIGKILL)`.
    static func describe(_ status: TerminationStatus) -> String {
        switch status {
        case .exited(let code): return "exit status \(code)"
        case .signaled(let signal):
            return "killed by signal \(signal)" + (Syscall.signalName(signal).map { " (\($0))" } ?? "")
        }
    }
}
