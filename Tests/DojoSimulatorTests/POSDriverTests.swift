import DojoProtocol
import DojoSimulator
import Foundation
import Glibc
import Testing

@Suite(.timeLimit(.minutes(1)))
struct POSDriverTests {
    /// Soak reproducer (Docs/reliability.md, "Soak"): every notify left its stderr pipe open, because Foundation
    /// on Linux does not release a finished Process; after about 1,300 of them dojo-sim, past 1,024 open fds,
    /// crashed inside Process.run(). Many notifications, concurrent as the soak's runners are, now leave no pipe
    /// behind. Counted: pipes whose writer is gone (a finished command's stderr), since the suites running in
    /// parallel open and close pipes of their own, with live writers, all the time.
    @Test func notificationsLeaveNoPipeOpen() async throws {
        let driver = CommandPOSDriver(arguments: ["/bin/sh", "-c", "exit 0", "sh"])
        let before = try orphanedPipes()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<128 {
                let event = try PosEvent(type: .partyUpdated, entityID: "party-\(index)")
                group.addTask { try await driver.notify(event) }
            }
            try await group.waitForAll()
        }
        let left = try orphanedPipes().subtracting(before).count
        #expect(left < 32, "pipes left open after 128 notifications: \(left)")
    }

    @Test func aFailingCommandReportsItsStatus() async throws {
        let driver = CommandPOSDriver(arguments: ["/bin/sh", "-c", "echo refused >&2; exit 3", "sh"])
        let event = try PosEvent(type: .orderUpdated, entityID: "order-1")
        let error = await #expect(throws: SimulatorError.self) { try await driver.notify(event) }
        #expect(error?.description.contains("exited with status 3: refused") == true)
    }

    /// The read ends of pipes this process has open whose every writer has closed (poll reports a hang-up), as
    /// `fd pipe:[inode]`.
    private func orphanedPipes() throws -> Set<String> {
        let directory = "/proc/self/fd"
        var found: Set<String> = []
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
            guard let fd = Int32(name),
                let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(directory)/\(name)"),
                link.hasPrefix("pipe:")
            else { continue }
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&descriptor, 1, 0) == 1, descriptor.revents & Int16(POLLHUP) != 0 { found.insert("\(fd) \(link)") }
        }
        return found
    }
}
