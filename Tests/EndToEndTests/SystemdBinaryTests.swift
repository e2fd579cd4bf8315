import DojoAgentCore
import DojoProtocol
import DojoSimulator
import Foundation
import Glibc
import Testing

/// `dojo-agent run` under a stand-in systemd: the real binary, `NOTIFY_SOCKET` pointing at a datagram socket the
/// test listens on, and the simulator as Dojo. See Docs/operations.md.
@Suite(.timeLimit(.minutes(2)))
struct SystemdBinaryTests {
    /// READY=1 once, only after the control socket listens and the first connection attempt was made; STATUS=
    /// lines before it and on each session change; STOPPING=1 last on SIGTERM, and exit 0.
    @Test func readyComesAfterTheFirstConnectionAndStoppingLast() async throws {
        let listener = try NotifySocketListener.abstract()
        try await DojoSimulator.withSimulator(configuration: .endToEnd()) { simulator in
            var launch = AgentLaunch(binary: agentBinary, adapter: .demo)
            launch.environment = ["NOTIFY_SOCKET": listener.address]
            try await AgentProcess.withAgent(launch, simulator: simulator) { agent in
                let ready = try await listener.await("READY=1", timeout: .seconds(30))
                // By then the control socket listens and the session was attempted (here: made).
                #expect(FileManager.default.fileExists(atPath: agent.stateDirectory + "/control.sock"))
                #expect(ready.datagram.contains("STATUS=connected since"), "\(ready.datagram)")
                #expect(ready.datagram.contains("outbox 0 pending"))
                let before = listener.datagrams.all[..<ready.index]
                #expect(before.allSatisfy { $0.hasPrefix("STATUS=") && !$0.contains("READY=1") }, "\(before)")
                _ = try await simulator.awaitSession(timeout: .seconds(30))

                // A session change is a STATUS= line: Dojo drops the link, the agent says so, then reconnects.
                let dropped = await simulator.dropConnection()
                #expect(dropped != nil)
                let lost: (index: Int, datagram: String)
                do {
                    lost = try await listener.await("STATUS=disconnected", from: ready.index + 1, timeout: .seconds(30))
                } catch {
                    Issue.record("datagrams: \(listener.datagrams.all)\nagent log:\n\(agent.log)")
                    throw error
                }
                _ = try await listener.await("STATUS=connected since", from: lost.index, timeout: .seconds(30))

                await agent.stop(grace: .seconds(30))
                #expect(agent.exitStatus == 0, "agent log:\n\(agent.log)")
                let all = listener.datagrams.all
                #expect(all.filter { $0.contains("READY=1") }.count == 1)
                #expect(all.last?.hasPrefix("STOPPING=1") == true, "\(all)")
                #expect(!all.joined().contains(simulator.configuration.apiKey))
            }
        }
        await listener.close()
    }

    /// A Dojo outage must not fail the start: READY=1 after the first attempt failed, the status says why.
    @Test func aDojoOutageDoesNotHoldBackReady() async throws {
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A path socket this time (the abstract kind is the test above).
        let listener = try NotifySocketListener(address: directory + "/notify")
        try await DojoSimulator.withSimulator(configuration: .endToEnd()) { simulator in
            var launch = AgentLaunch(
                binary: agentBinary,
                adapter: .demo,
                settings: ["dojo.ws_url": "\"ws://127.0.0.1:1/epos\""]
            )
            launch.environment = ["NOTIFY_SOCKET": listener.address]
            try await AgentProcess.withAgent(launch, simulator: simulator) { agent in
                let ready = try await listener.await("READY=1", timeout: .seconds(30))
                #expect(ready.datagram.contains("STATUS=disconnected ("), "\(ready.datagram)\n\(agent.log)")
            }
        }
        await listener.close()
    }

    /// The watchdog pets only while every long loop answers its probe: a loop wedged on purpose (test hook) stops
    /// the pets, and the status says which loop is silent.
    @Test(arguments: ["session", "publisher", "control"])
    func aWedgedLoopStopsTheWatchdogPets(loop: String) async throws {
        let listener = try NotifySocketListener.abstract()
        try await DojoSimulator.withSimulator(configuration: .endToEnd()) { simulator in
            let launch = watchdogLaunch(listener)
            try await AgentProcess.withAgent(launch, simulator: simulator) { agent in
                let ready = try await listener.await("READY=1", timeout: .seconds(30))
                _ = try await simulator.awaitSession(timeout: .seconds(30))
                // Petted while everything answers (two rounds after READY: the loops were probed and answered).
                let pet = try await listener.await("WATCHDOG=1", from: ready.index + 1, timeout: .seconds(30))
                let again = try await listener.await("WATCHDOG=1", from: pet.index + 1, timeout: .seconds(30))

                try await wedge(loop, in: agent)
                let withheld = try await listener.await(
                    "STATUS=watchdog withheld: not answering: \(loop)",
                    from: again.index + 1,
                    timeout: .seconds(30)
                )
                // The next round withholds again (the silence grew): no pet in between.
                let still = try await listener.await(
                    "STATUS=watchdog withheld",
                    from: withheld.index + 1,
                    timeout: .seconds(30)
                )
                let between = listener.datagrams.all[withheld.index...still.index]
                #expect(!between.contains { $0.contains("WATCHDOG=1") }, "\(between)")
                #expect(agent.log.contains("watchdog not petted"))
                // The wedged loop blocks its thread for ever: no graceful stop to wait for.
                await agent.kill()
            }
        }
        await listener.close()
    }

    /// SIGHUP reloads: RELOADING=1 with MONOTONIC_USEC, then READY=1; the log level applies live, other changes are
    /// named as needing a restart; a bad file is refused and the agent keeps running on the old one. Then SIGTERM
    /// closes the session with 1001 and exits 0.
    @Test func sighupReloadsAndABadFileIsRefused() async throws {
        let listener = try NotifySocketListener.abstract()
        try await DojoSimulator.withSimulator(configuration: .endToEnd()) { simulator in
            var launch = AgentLaunch(binary: agentBinary, adapter: .demo)
            launch.environment = ["NOTIFY_SOCKET": listener.address]
            try await AgentProcess.withAgent(launch, simulator: simulator) { agent in
                let ready = try await listener.await("READY=1", timeout: .seconds(30))
                let session = try await simulator.awaitSession(timeout: .seconds(30))
                let original = try String(contentsOfFile: agent.configFile, encoding: .utf8)
                let changed =
                    original.replacingOccurrences(of: "log_level = \"info\"", with: "log_level = \"debug\"")
                    + "\n[outbox]\ndrain_rate = 5.0\n"
                try changed.write(toFile: agent.configFile, atomically: true, encoding: .utf8)
                agent.send(signal: SIGHUP)
                let reloading = try await listener.await("RELOADING=1", from: ready.index + 1, timeout: .seconds(30))
                #expect(reloading.datagram.contains("MONOTONIC_USEC="))
                let reloaded = try await listener.await("READY=1", from: reloading.index + 1, timeout: .seconds(30))
                #expect(agent.log.contains("some changes need a restart"), "\(agent.log)")
                #expect(agent.log.contains("outbox.drain_rate"))
                #expect(agent.log.contains("applied=agent.log_level"))

                try "[agent\nlog_level = 3\n".write(toFile: agent.configFile, atomically: true, encoding: .utf8)
                agent.send(signal: SIGHUP)
                let again = try await listener.await("RELOADING=1", from: reloaded.index + 1, timeout: .seconds(30))
                _ = try await listener.await("READY=1", from: again.index + 1, timeout: .seconds(30))
                #expect(agent.log.contains("configuration reload refused; the running configuration is kept"))
                #expect(agent.exitStatus == nil)
                // Still serving on the old configuration.
                let status = try await ControlClient(socketPath: agent.stateDirectory + "/control.sock").send(
                    ControlRequest(command: "status")
                )
                #expect(status.fields["session"]?["state"] == "connected")

                agent.send(signal: SIGTERM)
                let close = await session.awaitCloseFrame()
                #expect(close?.code == 1001, "\(String(describing: close))")
                #expect(await agent.awaitExit() == 0, "\(agent.log)")
                #expect(listener.datagrams.all.last?.hasPrefix("STOPPING=1") == true)
            }
        }
        await listener.close()
    }

    /// A second SIGTERM exits at once, even when the graceful drain cannot finish (here the session's lws thread is
    /// wedged on purpose, so the first SIGTERM's drain would never end).
    @Test func aSecondSignalExitsAtOnce() async throws {
        let listener = try NotifySocketListener.abstract()
        try await DojoSimulator.withSimulator(configuration: .endToEnd()) { simulator in
            let launch = watchdogLaunch(listener)
            try await AgentProcess.withAgent(launch, simulator: simulator) { agent in
                let ready = try await listener.await("READY=1", timeout: .seconds(30))
                _ = try await simulator.awaitSession(timeout: .seconds(30))
                try await wedge("session", in: agent)
                let wedged = try await listener.await(
                    "STATUS=watchdog withheld",
                    from: ready.index + 1,
                    timeout: .seconds(30)
                )
                agent.send(signal: SIGTERM)
                _ = try await listener.await("STOPPING=1", from: wedged.index + 1, timeout: .seconds(30))
                #expect(agent.exitStatus == nil)
                agent.send(signal: SIGTERM)
                #expect(await agent.awaitExit() == 128 + SIGTERM, "\(agent.log)")
                #expect(agent.log.contains("second stop signal: exiting at once"))
            }
        }
        await listener.close()
    }
}

/// The demo agent with the watchdog on (a 2 s period) and the test hooks, telling `listener`.
private func watchdogLaunch(_ listener: NotifySocketListener) -> AgentLaunch {
    var launch = AgentLaunch(binary: agentBinary, adapter: .demo)
    launch.environment = [
        "NOTIFY_SOCKET": listener.address, "WATCHDOG_USEC": "2000000", "DOJO_AGENT_TEST_HOOKS": "1",
    ]
    return launch
}

/// Wedges the agent's `loop` through the `test-wedge` control command.
private func wedge(_ loop: String, in agent: AgentProcess) async throws {
    let response = try await ControlClient(socketPath: agent.stateDirectory + "/control.sock").send(
        ControlRequest(command: "test-wedge", fields: ["loop": .string(loop)])
    )
    #expect(response.isOK, "\(response)")
}

func makeDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("dojo-e2e-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
