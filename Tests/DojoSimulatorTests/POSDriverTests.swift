import DojoProtocol
import DojoSimulator
import Foundation
import Testing

@Suite(.timeLimit(.minutes(1)))
struct POSDriverTests {
    /// Soak reproducer (Docs/reliability.md, "Soak"): every notify left its stderr pipe open, because Foundation
    /// on Linux does not release a finished Process; after about 1,300 of them dojo-sim, past 1,024 open fds,
    /// crashed inside Process.run(). Many notifications, concurrent as the soak's runners are, now leave no pipe
    /// behind. (Other suites run in parallel and may hold a pipe or two for a moment: the bound is far below one
    /// pipe per notification.)
    @Test func notificationsLeaveNoPipeOpen() async throws {
        let driver = CommandPOSDriver(arguments: ["/bin/sh", "-c", "exit 0", "sh"])
        let before = try openPipes()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<64 {
                let event = try PosEvent(type: .partyUpdated, entityID: "party-\(index)")
                group.addTask { try await driver.notify(event) }
            }
            try await group.waitForAll()
        }
        let after = try openPipes()
        #expect(after.subtracting(before).count < 16, "pipes left open: \(after.subtracting(before).count)")
    }

    @Test func aFailingCommandReportsItsStatus() async throws {
        let driver = CommandPOSDriver(arguments: ["/bin/sh", "-c", "echo refused >&2; exit 3", "sh"])
        let event = try PosEvent(type: .orderUpdated, entityID: "order-1")
        let error = await #expect(throws: SimulatorError.self) { try await driver.notify(event) }
        #expect(error?.description.contains("exited with status 3: refused") == true)
    }

    /// The pipes this process has open, as `pipe:[inode]` names.
    private func openPipes() throws -> Set<String> {
        let directory = "/proc/self/fd"
        let links = try FileManager.default.contentsOfDirectory(atPath: directory).compactMap {
            try? FileManager.default.destinationOfSymbolicLink(atPath: "\(directory)/\($0)")
        }
        return Set(links.filter { $0.hasPrefix("pipe:") })
    }
}
