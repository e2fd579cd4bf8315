import ArgumentParser
import DojoAgentCore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import SystemCalls
import UnixSignals

/// `dojo-agent run`: the daemon.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the agent: hold the session to Dojo and serve it through the POS adapter.",
        discussion:
            "Stops gracefully on SIGTERM or SIGINT: in-flight requests finish and the session closes with 1001 (going away); SIGHUP reloads the configuration."
    )

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        // Process-wide signal state is the program's to set, never a library's. A daemon must never die of a peer
        // that went away mid-write: every socket write already passes MSG_NOSIGNAL, and this covers pipes (the
        // adapter process) and anything else.
        Syscall.ignoreBrokenPipeSignal()
        let resolved = try self.options.load(requireCredentials: true)
        let configuration = resolved.configuration
        let logger = LogSetup.bootstrap(level: configuration.logLevel, format: configuration.logFormat)
        var agent: Agent
        do {
            agent = try Agent(configuration: configuration, logger: logger) { outbox in
                try Adapters.make(configuration: configuration, outbox: outbox, logger: logger)
            }
            agent.testHooks = ProcessInfo.processInfo.environment["DOJO_AGENT_TEST_HOOKS"] == "1"
        } catch let error as AgentConfigurationError {
            logger.critical("cannot start: \(error)")
            throw ExitCode(78)  // EX_CONFIG
        } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode(74)  // EX_IOERR: the state directory or the outbox cannot be used
        }
        // systemd (Type=notify): READY/STATUS/STOPPING on NOTIFY_SOCKET. The variables are removed from the
        // environment once read, so the process adapter's child never talks to systemd in the agent's name.
        let notifier = SystemdNotifier(
            environment: SystemdEnvironment(environment: ProcessInfo.processInfo.environment)
        )
        for variable in SystemdEnvironment.variables { Syscall.unsetEnvironment(variable) }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: agent)]
        if notifier.isEnabled {
            // Listed last, so it is told to stop first: STOPPING=1 goes out before the agent drains.
            services.append(.init(service: SystemdNotifyService(agent: agent, notifier: notifier, logger: logger)))
        }
        let group = ServiceGroup(
            configuration: .init(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        // Trapped before the group runs: from here on SIGHUP reloads instead of killing the agent.
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let stops = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        let reloader = Reloader(options: self.options, running: resolved, notifier: notifier, logger: logger)
        do {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask {
                    for await _ in hangups { await reloader.reload() }
                }
                tasks.addTask {
                    // The group drains on the first SIGTERM/SIGINT; a second one means "now".
                    var count = 0
                    for await signal in stops {
                        count += 1
                        guard count >= 2 else { continue }
                        logger.warning("second stop signal: exiting at once", metadata: ["signal": "\(signal)"])
                        Glibc.exit(128 + signal.rawValue)
                    }
                }
                defer { tasks.cancelAll() }
                try await group.run()
            }
        } catch let error as AgentConfigurationError {
            logger.critical("cannot start: \(error)")
            throw ExitCode(78)
        }
    }
}

/// SIGHUP: reads the configuration again. A valid file's live keys (the log level) apply at once and the others are
/// named as needing a restart; a bad file is refused with its error and the running configuration kept. systemd is
/// told `RELOADING=1` (with `MONOTONIC_USEC=`) before and `READY=1` after, either way.
actor Reloader {
    let options: ConfigOptions
    var running: AgentConfiguration.Resolved
    let notifier: SystemdNotifier
    let logger: Logger

    init(options: ConfigOptions, running: AgentConfiguration.Resolved, notifier: SystemdNotifier, logger: Logger) {
        self.options = options
        self.running = running
        self.notifier = notifier
        self.logger = logger
    }

    func reload() {
        self.notifier.send(.reloading(monotonicMicroseconds: SystemdNotifier.monotonicMicroseconds()))
        defer { self.notifier.send(.ready()) }
        let file = self.options.configFile ?? "(no file)"
        let new: AgentConfiguration.Resolved
        do {
            // Not `options.load`, which prints to stderr for a command line: here the error goes in the log line.
            new = try AgentConfiguration.load(
                file: self.options.configFile,
                overrides: try self.options.overrides(),
                requireCredentials: true
            )
        } catch {
            self.logger.error(
                "configuration reload refused; the running configuration is kept",
                metadata: ["config.file": "\(file)", "error": "\(error)"]
            )
            return
        }
        let plan = ConfigurationReload(from: self.running, to: new)
        if plan.live.contains("agent.log_level") { LogSetup.setLevel(new.configuration.logLevel) }
        // The running agent keeps what needs a restart: remember the new file for the live keys only.
        var kept = self.running
        kept.configuration.logLevel = new.configuration.logLevel
        kept.sources["agent.log_level"] = new.sources["agent.log_level"]
        self.running = kept
        if plan.needsRestart.isEmpty {
            self.logger.notice(
                "configuration reloaded",
                metadata: ["config.file": "\(file)", "applied": "\(plan.live.joined(separator: ","))"]
            )
        } else {
            self.logger.warning(
                "configuration reloaded; some changes need a restart (systemctl restart dojo-agent)",
                metadata: [
                    "config.file": "\(file)", "applied": "\(plan.live.joined(separator: ","))",
                    "restart.needed_for": "\(plan.needsRestart.joined(separator: ","))",
                ]
            )
        }
    }
}

/// The process-wide logging setup: one ``AgentLogHandler`` backend chosen by `agent.log_format` (journald under
/// systemd, else logfmt or JSON lines on stderr), whose level is one process-wide value so a reload changes it
/// for every logger at once.
enum LogSetup {
    static let level = LogLevelControl(.info)

    static func bootstrap(level: Logger.Level, format: LogFormat) -> Logger {
        Self.setLevel(level)
        let backend = AgentLogging.backend(for: format, environment: ProcessInfo.processInfo.environment)
        let sink = AgentLogging.sink(for: backend)
        LoggingSystem.bootstrap { label in AgentLogHandler(label: label, sink: sink, level: Self.level) }
        return Logger(label: "dojo.agent")
    }

    static func setLevel(_ level: Logger.Level) {
        Self.level.level = level
    }
}
