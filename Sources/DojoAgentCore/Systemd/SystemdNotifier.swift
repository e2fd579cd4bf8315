import Foundation
import SystemCalls
import SystemPackage

/// Where and how often to tell systemd about the agent, from the environment systemd sets for the service:
/// `NOTIFY_SOCKET` (a path, or `@name` for an abstract socket), `WATCHDOG_USEC` and `WATCHDOG_PID`.
public struct SystemdEnvironment: Sendable, Equatable {
    /// The notification socket; nil when the agent is not run by systemd with `Type=notify` (nothing is sent).
    public var notifySocket: String?
    /// The watchdog period systemd expects a `WATCHDOG=1` within; nil when the unit has no `WatchdogSec=`, or
    /// `WATCHDOG_PID` names another process.
    public var watchdogPeriod: Duration?

    public init(notifySocket: String? = nil, watchdogPeriod: Duration? = nil) {
        self.notifySocket = notifySocket
        self.watchdogPeriod = watchdogPeriod
    }

    /// Reads the three variables. `WATCHDOG_USEC` counts only with no `WATCHDOG_PID` or the one equal to `pid`
    /// (sd_watchdog_enabled's rule: the variables may be inherited by a child that is not the service's main
    /// process). `pid` defaults to this process.
    public init(environment: [String: String], pid: Int32? = nil) {
        let socket = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        self.notifySocket = socket
        self.watchdogPeriod = nil
        if let text = environment["WATCHDOG_USEC"], let microseconds = UInt64(text), microseconds > 0 {
            let forUs = environment["WATCHDOG_PID"].map { Int32($0) == (pid ?? Syscall.processID) } ?? true
            if forUs { self.watchdogPeriod = .microseconds(Int64(clamping: microseconds)) }
        }
    }

    /// The variables to remove before starting a child (the process adapter), so it never talks to systemd as us.
    public static let variables = ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"]
}

/// Sends ``SystemdMessage``s to `NOTIFY_SOCKET`: one datagram each, never blocking (a full socket drops the
/// message, as sd_notify does). Without a socket every send is a no-op, so the agent runs the same under any init.
public final class SystemdNotifier: Sendable {
    public let environment: SystemdEnvironment

    public init(environment: SystemdEnvironment) {
        self.environment = environment
    }

    /// Whether anything is sent at all.
    public var isEnabled: Bool { self.environment.notifySocket != nil }

    /// Sends `message`; returns nil on success or when disabled, else why it failed (for a debug log line).
    @discardableResult
    public func send(_ message: SystemdMessage) -> String? {
        guard let socket = self.environment.notifySocket else { return nil }
        do {
            try Syscall.sendDatagram(to: socket, message.bytes)
            return nil
        } catch  where error.errno == .fileNameTooLong {
            return
                "the notify socket name is \(socket.utf8.count) bytes long; Unix sockets allow \(Syscall.maximumUnixPathLength)"
        } catch {
            return "cannot send to the notify socket \(socket): \(error.reason)"
        }
    }

    /// `CLOCK_MONOTONIC` now, in microseconds, for `MONOTONIC_USEC=`.
    public static func monotonicMicroseconds() -> UInt64 {
        Syscall.monotonicMicroseconds()
    }
}
