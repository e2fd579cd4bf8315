import ArgumentParser
import DojoAgentCore
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `dojo-agent run`: the daemon.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the agent: hold the session to Dojo and serve it through the POS adapter.",
        discussion: "Stops gracefully on SIGTERM or SIGINT: in-flight requests finish and the session closes with 1000."
    )

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        // A daemon must never die of a peer that went away mid-write: every socket write already passes
        // MSG_NOSIGNAL, and this covers pipes (the adapter process) and anything else.
        signal(SIGPIPE, SIG_IGN)
        let configuration = try self.options.load(requireCredentials: true).configuration
        let logger = LogSetup.bootstrap(level: configuration.logLevel)
        var agent: Agent
        do {
            agent = try Agent(configuration: configuration, logger: logger)
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
        for variable in SystemdEnvironment.variables { unsetenv(variable) }
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
        do {
            try await group.run()
        } catch let error as AgentConfigurationError {
            logger.critical("cannot start: \(error)")
            throw ExitCode(78)
        }
    }
}

/// The process-wide logging setup: one handler on stderr (systemd's journal captures it).
enum LogSetup {
    static func bootstrap(level: Logger.Level) -> Logger {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: "dojo.agent")
        logger.logLevel = level
        return logger
    }
}
