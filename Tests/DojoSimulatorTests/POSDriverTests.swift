import DojoProtocol
import DojoSimulator
import Foundation
import Testing

@Suite(.timeLimit(.minutes(1)))
struct POSDriverTests {
    static let notifications = 256

    /// Soak reproducer (Docs/reliability.md, "Soak"): every notify left its stderr pipe open, because Foundation
    /// on Linux does not release a finished Process; after about 1,300 of them dojo-sim, past 1,024 open fds,
    /// crashed inside Process.run(). Many notifications, concurrent as the soak's runners are, now leave no pipe
    /// behind. (Other suites run in parallel and hold pipes of their own meanwhile, dozens at a time under the
    /// full suite: the bound is half a pipe per notification, while the leak left one per notification.)
    @Test func notificationsLeaveNoPipeOpen() async throws {
        let driver = CommandPOSDriver(arguments: ["/bin/sh", "-c", "exit 0", "sh"])
        let before = try openPipes()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<Self.notifications {
                let event = try PosEvent(type: .partyUpdated, entityID: "party-\(index)")
                group.addTask { try await driver.notify(event) }
            }
            try await group.waitForAll()
        }
        let after = try openPipes()
        let left = after.subtracting(before).count
        #expect(left < Self.notifications / 2, "pipes left open: \(left) after \(Self.notifications) notifications")
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
