import DojoProtocol
import DojoSimulator
import Testing

@Suite(.timeLimit(.minutes(1)))
struct POSDriverTests {
    /// Soak reproducer (Docs/reliability.md, "Soak"): the soak's concurrent runners each ran `dojo-agent notify`
    /// through this driver, and Foundation's `Process.run()`, called from several threads at once, crashed dojo-sim
    /// in memcpy. The launches are now serialised; many concurrent notifications all run and all succeed.
    @Test func concurrentNotificationsEachRunTheirCommand() async throws {
        let driver = CommandPOSDriver(arguments: ["/bin/sh", "-c", "exit 0", "sh"])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<64 {
                let event = try PosEvent(type: .partyUpdated, entityID: "party-\(index)")
                group.addTask { try await driver.notify(event) }
            }
            try await group.waitForAll()
        }
    }

    @Test func aFailingCommandReportsItsStatus() async throws {
        let driver = CommandPOSDriver(arguments: ["/bin/sh", "-c", "echo refused >&2; exit 3", "sh"])
        let event = try PosEvent(type: .orderUpdated, entityID: "order-1")
        let error = await #expect(throws: SimulatorError.self) { try await driver.notify(event) }
        #expect(error?.description.contains("exited with status 3: refused") == true)
    }
}
