import AgentSupport
public import DojoProtocol
public import Foundation
public import Logging
public import ServiceLifecycle
public import Transport

/// Registers the adapter's capabilities with Dojo: `PUT {api_base_url}/epos/integrations/ws` with the full set
/// (it replaces whatever was registered), at start and whenever the set changes.
///
/// Failures retry with the `.delivery` backoff (401/403 with `.authRejected`); a non-retryable 4xx is not
/// retried until the set changes (the same body would be refused again) and stays visible in ``status``. A new set
/// arriving while a retry waits is sent at once. Disabled (`dojo.register_capabilities = false`) it only records
/// that it is disabled and returns.
public struct Registrar: Service {
    /// What is registered, for status displays.
    public struct Status: Sendable, Hashable {
        /// Whether registration is enabled.
        public var isEnabled: Bool
        /// The set Dojo last accepted (2xx), if any.
        public var registered: Set<Capability>?
        /// When Dojo accepted it.
        public var registeredAt: Date?
        /// The set the agent wants registered.
        public var wanted: Set<Capability>?
        /// Why the last attempt failed, if it did.
        public var lastError: String?
    }

    private let updates: AsyncStream<Set<Capability>>?
    private let http: HTTPClient
    private let api: DojoAPIConfiguration
    private let retry: RetryPolicy
    private let clock: any WallClock
    private let random: @Sendable () -> Double
    private let logger: Logger
    private let statusBox: PThreadLock<Status>

    /// - Parameters:
    ///   - capabilities: the set to register at start (the adapter's `capabilities`); nil when it is not known yet
    ///     (a process adapter declares its set at initialize): nothing is registered until `updates` yields one, so
    ///     Dojo is never told "route nothing" while the POS is starting.
    ///   - updates: later sets, each replacing the previous one (nil if the set never changes).
    ///   - isEnabled: `dojo.register_capabilities`.
    ///   - http: the agent's HTTP client.
    ///   - api: where and with which credentials to call.
    ///   - clock: wall clock for retry waits.
    ///   - random: uniform draws in `0...1` for jitter.
    ///   - logger: `dojo.registrar`.
    public init(
        capabilities: Set<Capability>?,
        updates: AsyncStream<Set<Capability>>? = nil,
        isEnabled: Bool = true,
        http: HTTPClient,
        api: DojoAPIConfiguration,
        clock: any WallClock = SystemWallClock(),
        random: @escaping @Sendable () -> Double = { Double.random(in: 0...1) },
        logger: Logger
    ) {
        self.updates = updates
        self.http = http
        self.api = api
        // Registration has no age limit: it is retried until it succeeds (the age passed is always zero).
        self.retry = RetryPolicy()
        self.clock = clock
        self.random = random
        self.logger = logger
        self.statusBox = PThreadLock(Status(isEnabled: isEnabled, wanted: capabilities))
    }

    /// A snapshot of the registration state.
    public var status: Status { self.statusBox.withLock { $0 } }

    public func run() async throws {
        guard self.statusBox.withLock({ $0.isEnabled }) else {
            self.logger.notice("capability registration disabled (dojo.register_capabilities = false)")
            return
        }
        let changed = WakeSignal()
        let stopping = PThreadLock(false)
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                if let updates = self.updates {
                    group.addTask {
                        for await set in updates {
                            self.statusBox.withLock { $0.wanted = set }
                            changed.signal()
                        }
                    }
                }
                var failures = 0
                var sentButRefused: Set<Capability>?
                while !stopping.withLock({ $0 }), !Task.isCancelled {
                    let (wanted, registered) = self.statusBox.withLock { ($0.wanted, $0.registered) }
                    var retryAt: Date?
                    if let wanted, wanted != registered, wanted != sentButRefused {
                        switch await self.register(wanted, failures: failures) {
                        case .registered:
                            failures = 0
                            sentButRefused = nil
                        case .retry(let delay):
                            failures += 1
                            retryAt = self.clock.now.addingTimeInterval(delay.timeInterval)
                        case .refused:
                            failures = 0
                            sentButRefused = wanted
                        case .stopped:
                            break
                        }
                    }
                    if stopping.withLock({ $0 }) || Task.isCancelled { break }
                    // A change of set interrupts a retry wait: the new set is what matters.
                    await withTaskGroup(of: Void.self) { waits in
                        waits.addTask { await changed.wait() }
                        if let retryAt {
                            let clock = self.clock
                            waits.addTask { try? await clock.sleep(until: retryAt) }
                        }
                        await waits.next()
                        waits.cancelAll()
                    }
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            stopping.withLock { $0 = true }
            changed.signal()
        }
    }

    private enum Attempt {
        case registered
        case retry(Duration)
        case refused
        case stopped
    }

    private func register(_ capabilities: Set<Capability>, failures: Int) async -> Attempt {
        let names = CapabilityRegistration(capabilities).capabilities.map(\.name).joined(separator: ",")
        let outcome: RetryPolicy.Outcome
        do {
            let response = try await self.http.execute(self.api.registrationRequest(capabilities))
            outcome = .response(
                status: response.status,
                retryAfter: response.header("retry-after"),
                body: response.bodyText
            )
        } catch let error as HTTPClientError where error.code == .shutdown {
            return .stopped
        } catch is CancellationError {
            return .stopped
        } catch {
            outcome = .failure("\(error)")
        }
        let now = self.clock.now
        switch self.retry.decision(
            for: outcome,
            previousFailures: failures,
            age: .zero,
            now: now,
            random: self.random()
        )
        {
        case .delivered:
            self.statusBox.withLock {
                $0.registered = capabilities
                $0.registeredAt = now
                $0.lastError = nil
            }
            self.logger.info("capabilities registered", metadata: ["registration.capabilities": "\(names)"])
            return .registered
        case .retry(let delay, let reason):
            self.statusBox.withLock { $0.lastError = reason }
            self.logger.warning(
                "capability registration failed; will retry",
                metadata: ["error": .quoted(reason), "retry_in": "\(delay)"]
            )
            return .retry(delay)
        case .deadLetter(let reason):
            self.statusBox.withLock { $0.lastError = reason }
            self.logger.error(
                "capability registration refused; not retried until the capability set changes",
                metadata: ["error": .quoted(reason), "registration.capabilities": "\(names)"]
            )
            return .refused
        }
    }
}
