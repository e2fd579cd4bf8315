import ArgumentParser
import DojoProtocol
import DojoSimulator
import Foundation

/// `dojo-sim soak`: serve, wait for an agent, and drive it with mixed traffic for a fixed time (scripts/soak).
///
/// Time is cut into cycles; each cycle runs the traffic scenarios at the peak rate, then at the burst rate (with
/// concurrent runners), then, every `--fault-every` cycles, the fault scenarios alone. Every answer is checked by
/// the scenarios' expectations (and the simulator's own checks): the first failure stops the soak with its report.
struct SoakCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Serve and drive an agent with paced traffic, bursts and faults for a fixed time.",
        discussion: """
            Prints one line per phase: scenarios, steps and the achieved step rate. Exit status: 0 when every step \
            passed until the end, 1 at the first failure (its report is printed), 2 when the agent never connected.
            """
    )

    @OptionGroup var simulator: SimulatorOptions

    @Option(help: ArgumentHelp("How long to drive traffic.", valueName: "duration"))
    var duration = "5m"

    @Option(help: ArgumentHelp("The length of one cycle (peak, then burst, then faults).", valueName: "duration"))
    var cycle = "60s"

    @Option(help: ArgumentHelp("Steps per second in the peak phase.", valueName: "rate"))
    var peakRate = 1.0

    @Option(help: ArgumentHelp("The burst phase's rate as a multiple of the peak rate.", valueName: "factor"))
    var burstFactor = 100.0

    @Option(help: ArgumentHelp("The burst phase's share of a cycle.", valueName: "fraction"))
    var burstShare = 0.25

    @Option(help: ArgumentHelp("Concurrent scenario runners in the burst phase.", valueName: "count"))
    var burstRunners = 8

    @Option(help: ArgumentHelp("Run the fault scenarios every this many cycles (0: never).", valueName: "cycles"))
    var faultEvery = 1

    @Option(help: ArgumentHelp("Traffic scenario files or directories (repeatable).", valueName: "path"))
    var traffic: [String] = []

    @Option(help: ArgumentHelp("Fault scenario files (repeatable).", valueName: "path"))
    var faults: [String] = []

    @OptionGroup var driving: DrivingOptions

    func run() async throws {
        guard let total = Duration(parsing: duration), let cycleLength = Duration(parsing: cycle),
            let connectWait = Duration(parsing: driving.connectTimeout)
        else { throw ValidationError("--duration, --cycle and --connect-timeout are durations such as 90s") }
        guard peakRate > 0, burstFactor > 0, (0...1).contains(burstShare), burstRunners > 0 else {
            throw ValidationError("rates and the runner count must be positive, --burst-share within 0...1")
        }
        let shipped = defaultScenariosDirectory() ?? "Scenarios"
        let trafficPaths =
            traffic.isEmpty
            ? ["bookings-flow", "walk-in", "cancellation", "pos-events"].map { "\(shipped)/\($0).yaml" } : traffic
        let faultPaths = faults.isEmpty ? ["\(shipped)/faults/robustness.yaml"] : faults
        let trafficScenarios: [Scenario]
        let faultScenarios: [Scenario]
        do {
            trafficScenarios = try scenarioFiles(trafficPaths).flatMap { try Scenario.load(file: $0) }
            faultScenarios = try scenarioFiles(faultPaths).flatMap { try Scenario.load(file: $0) }
        } catch let error as SimulatorError {
            printError("dojo-sim: \(error)")
            throw ExitCode(2)
        }
        var options = ScenarioRunner.Options(posDriver: driving.notifyCommand.map { CommandPOSDriver(commandLine: $0) })
        options.reconnectTimeout = .seconds(30)
        let plan = SoakPlan(
            total: total,
            cycle: cycleLength,
            peakRate: peakRate,
            burstRate: peakRate * burstFactor,
            burstShare: burstShare,
            burstRunners: burstRunners,
            faultEvery: faultEvery,
            traffic: trafficScenarios,
            faults: faultScenarios,
            options: options
        )
        let configuration = try simulator.configuration()
        let passed = try await DojoSimulator.withSimulator(configuration: configuration) { simulator in
            printError("dojo-sim: listening; agent settings:\n\(agentSettings(simulator))")
            if let readyFile = driving.readyFile { try writeReadyFile(readyFile, simulator) }
            do {
                try await simulator.awaitSession(timeout: connectWait)
                _ = try await simulator.awaitRegistration(timeout: .seconds(30))
            } catch {
                printError("dojo-sim: no agent connected and registered within \(driving.connectTimeout)")
                throw ExitCode(2)
            }
            return await plan.run(on: simulator)
        }
        if !passed { throw ExitCode(1) }
    }
}

/// What one soak does, and its loop.
struct SoakPlan: Sendable {
    var total: Duration
    var cycle: Duration
    var peakRate: Double
    var burstRate: Double
    var burstShare: Double
    var burstRunners: Int
    var faultEvery: Int
    var traffic: [Scenario]
    var faults: [Scenario]
    var options: ScenarioRunner.Options

    /// The outcome of one phase.
    struct Tally: Sendable {
        var scenarios = 0
        var steps = 0
        var failed: [ScenarioResult] = []
        var unattributed: [SimulatorFailure] = []

        mutating func add(_ report: ScenarioReport) {
            scenarios += report.scenarios.count
            steps += report.scenarios.reduce(0) { $0 + $1.steps.filter { $0.status != .skipped }.count }
            failed += report.scenarios.filter { !$0.passed }
            unattributed += report.unattributedFailures
        }

        mutating func add(_ other: Tally) {
            scenarios += other.scenarios
            steps += other.steps
            failed += other.failed
            unattributed += other.unattributed
        }

        var passed: Bool { failed.isEmpty && unattributed.isEmpty }
    }

    func run(on simulator: DojoSimulator) async -> Bool {
        let clock = ContinuousClock()
        let end = clock.now + total
        var totals = Tally()
        var number = 0
        while clock.now < end {
            number += 1
            let cycleEnd = min(end, clock.now + cycle)
            let peakEnd = min(cycleEnd, clock.now + cycle * (1 - burstShare))
            var phases: [(String, Tally, Duration)] = []
            let peakStart = clock.now
            let peak = await paced(on: simulator, rate: peakRate, until: peakEnd)
            phases.append(("peak", peak, clock.now - peakStart))
            if peak.passed, clock.now < cycleEnd {
                let burstStart = clock.now
                let perRunner = burstRate / Double(burstRunners)
                let burst = await withTaskGroup(of: Tally.self) { group in
                    for _ in 0..<burstRunners {
                        group.addTask { await paced(on: simulator, rate: perRunner, until: cycleEnd) }
                    }
                    var sum = Tally()
                    for await tally in group { sum.add(tally) }
                    return sum
                }
                phases.append(("burst", burst, clock.now - burstStart))
            }
            if phases.allSatisfy(\.1.passed), faultEvery > 0, number % faultEvery == 0, clock.now < end {
                let faultStart = clock.now
                var faultTally = Tally()
                faultTally.add(await ScenarioRunner(simulator: simulator, options: options).run(faults))
                phases.append(("faults", faultTally, clock.now - faultStart))
            }
            for (name, tally, elapsed) in phases {
                totals.add(tally)
                let seconds = max(
                    Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
                    0.001
                )
                let rate = (Double(tally.steps) / seconds * 10).rounded() / 10
                say(
                    "soak: cycle \(number) \(name): \(tally.scenarios) scenarios, \(tally.steps) steps in "
                        + "\(elapsed.shortDescription) (\(rate) steps/s), \(tally.failed.count) failed"
                )
            }
            if let failure = phases.first(where: { !$0.1.passed }) {
                let report = ScenarioReport(
                    scenarios: failure.1.failed,
                    unattributedFailures: failure.1.unattributed,
                    registeredCapabilities: nil
                )
                say("soak: FAILED in cycle \(number) (\(failure.0)):\n\(report.rendered())")
                return false
            }
        }
        say("soak: passed: \(number) cycles, \(totals.scenarios) scenarios, \(totals.steps) steps, no wrong answer")
        return true
    }

    /// Runs the traffic scenarios in a loop until `deadline`, sleeping so that steps never exceed `rate` per
    /// second; stops at the first failure.
    private func paced(
        on simulator: DojoSimulator,
        rate: Double,
        until deadline: ContinuousClock.Instant
    ) async
        -> Tally
    {
        let clock = ContinuousClock()
        let start = clock.now
        var tally = Tally()
        let runner = ScenarioRunner(simulator: simulator, options: options)
        while clock.now < deadline, tally.passed {
            for scenario in traffic where clock.now < deadline && tally.passed {
                tally.add(await runner.run([scenario]))
                let due = start + .milliseconds(Int64(Double(tally.steps) / rate * 1000))
                if due > clock.now { try? await clock.sleep(until: min(due, deadline)) }
            }
        }
        return tally
    }
}
