import DojoProtocol
import Foundation
import GRDB
import Testing

@testable import DojoAgentCore

@Suite(.timeLimit(.minutes(1)))
struct OutboxStoreTests {
    @Test
    func publishingAPendingTypeAndIDAgainCoalescesIntoOneRow() async throws {
        try await withTemporaryDirectory { directory in
            let clock = ManualWallClock()
            let outbox = try Outbox.open(path: "\(directory)/outbox.sqlite", clock: clock, logger: testLogger)
            try await outbox.publish(event(.orderUpdated, "42"))
            clock.advance(by: 5)
            try await outbox.publish(event(.orderUpdated, "42"))
            try await outbox.publish(event(.partyUpdated, "42"))
            let rows = try await outbox.pendingEntries()
            #expect(rows.map(\.event) == [event(.orderUpdated, "42"), event(.partyUpdated, "42")])
            #expect(rows[0].generation == 2)
            #expect(rows[0].createdAt == Date(timeIntervalSince1970: 1_800_000_000))
            #expect(rows[0].updatedAt == Date(timeIntervalSince1970: 1_800_000_005))
            #expect(rows[1].generation == 1)
        }
    }

    @Test
    func aBatchIsOneTransaction() async throws {
        try await withTemporaryDirectory { directory in
            let outbox = try Outbox.open(path: "\(directory)/outbox.sqlite", logger: testLogger)
            try await outbox.publish(contentsOf: (0..<100).map { event(.reservationUpdated, "r\($0 % 40)") })
            #expect(try await outbox.statistics().pending == 40)
        }
    }

    @Test
    func aDeliveryOfAnOlderGenerationKeepsTheRowDueAtOnce() async throws {
        try await withTemporaryDirectory { directory in
            let clock = ManualWallClock()
            let outbox = try Outbox.open(path: "\(directory)/outbox.sqlite", clock: clock, logger: testLogger)
            try await outbox.publish(event(.orderUpdated, "1"))
            let sent = try #require(try await outbox.pendingEntries().first)
            try await outbox.reschedule(sent, at: clock.now.addingTimeInterval(60), error: "HTTP 503")
            try await outbox.publish(event(.orderUpdated, "1"))  // arrives while the retry is in flight
            #expect(try await outbox.markDelivered(sent) == false)
            let row = try #require(try await outbox.pendingEntries().first)
            #expect(row.generation == 2 && row.attempts == 0 && row.lastError == nil && row.nextAttemptAt == clock.now)
            #expect(try await outbox.markDelivered(row) == true)
            #expect(try await outbox.pendingEntries().isEmpty)
        }
    }

    @Test
    func deadLettersCanBeListedRetriedAndPurged() async throws {
        try await withTemporaryDirectory { directory in
            let clock = ManualWallClock()
            let outbox = try Outbox.open(path: "\(directory)/outbox.sqlite", clock: clock, logger: testLogger)
            try await outbox.publish(contentsOf: [
                event(.orderUpdated, "a"), event(.orderUpdated, "b"), event(.orderUpdated, "c"),
            ])
            for row in try await outbox.pendingEntries() {
                #expect(try await outbox.deadLetter(row, status: 400, reason: "HTTP 400", responseBody: "nope"))
            }
            let dead = try await outbox.deadLetters()
            #expect(dead.map(\.entityID) == ["a", "b", "c"])
            #expect(dead[0].status == 400 && dead[0].responseBody == "nope" && dead[0].attempts == 1)
            try await outbox.retry(id: dead[0].id)
            #expect(try await outbox.pendingEntries().map(\.event) == [event(.orderUpdated, "a")])
            #expect(try await outbox.retryAllDeadLetters() == 2)
            let again = try await outbox.pendingEntries()
            #expect(try await outbox.deadLetter(again[1], status: 404, reason: "HTTP 404", responseBody: nil))
            #expect(try await outbox.purgeDeadLetters() == 1)
            #expect(try await outbox.statistics() == OutboxStatistics(pending: 2, dead: 0, oldestPendingAge: 0))
            await #expect(throws: OutboxError.self) { try await outbox.retry(id: 999) }
        }
    }

    @Test
    func theScheduleSurvivesReopening() async throws {
        try await withTemporaryDirectory { directory in
            let clock = ManualWallClock()
            let path = "\(directory)/outbox.sqlite"
            do {
                let outbox = try Outbox.open(path: path, clock: clock, logger: testLogger)
                try await outbox.publish(event(.partyUpdated, "p1"))
                let row = try #require(try await outbox.pendingEntries().first)
                try await outbox.reschedule(row, at: clock.now.addingTimeInterval(8), error: "HTTP 503")
            }
            let reopened = try Outbox.open(path: path, clock: clock, logger: testLogger)
            let row = try #require(try await reopened.pendingEntries().first)
            #expect(row.attempts == 1 && row.lastError == "HTTP 503")
            #expect(row.nextAttemptAt == clock.now.addingTimeInterval(8))
            #expect(try await reopened.due(at: clock.now, limit: 10, excluding: []).isEmpty)
            #expect(try await reopened.due(at: clock.now.addingTimeInterval(8), limit: 10, excluding: []).count == 1)
        }
    }

    @Test
    func aDamagedFileIsMovedAsideAndAnEmptyOutboxStarts() async throws {
        try await withTemporaryDirectory { directory in
            let path = "\(directory)/outbox.sqlite"
            do {
                let outbox = try Outbox.open(path: path, logger: testLogger)
                try await outbox.publish(contentsOf: (0..<500).map { event(.orderUpdated, "o\($0)") })
            }
            // Overwrite the middle of the file (table pages) with garbage, keeping the header valid.
            let handle = try #require(FileHandle(forUpdatingAtPath: path))
            try handle.seek(toOffset: 4096)
            try handle.write(contentsOf: Data(repeating: 0xA5, count: 8192))
            try handle.close()
            try? FileManager.default.removeItem(atPath: path + "-wal")

            let error = try #require(throws: OutboxError.self) {
                try Outbox.open(path: path, corruption: .fail, logger: testLogger)
            }
            #expect(error.code == .corrupt)
            #expect(FileManager.default.fileExists(atPath: path))

            let clock = ManualWallClock()
            let outbox = try Outbox.open(path: path, corruption: .quarantine, clock: clock, logger: testLogger)
            #expect(outbox.quarantinedFile == "\(path).corrupt-20270115T080000Z")
            #expect(FileManager.default.fileExists(atPath: "\(path).corrupt-20270115T080000Z"))
            #expect(try await outbox.statistics().pending == 0)
            try await outbox.publish(event(.orderUpdated, "after"))
            #expect(try await outbox.statistics().pending == 1)
        }
    }

    @Test
    func aFileThatIsNotADatabaseIsMovedAsideToo() async throws {
        try await withTemporaryDirectory { directory in
            let path = "\(directory)/outbox.sqlite"
            try Data(repeating: 0x42, count: 10_000).write(to: URL(fileURLWithPath: path))
            let outbox = try Outbox.open(path: path, logger: testLogger)
            #expect(outbox.quarantinedFile != nil)
            #expect(try await outbox.statistics().pending == 0)
        }
    }

    @Test
    func aFullDiskFailsThePublishCleanlyAndKeepsWhatWasStored() async throws {
        try await withTemporaryDirectory { directory in
            let path = "\(directory)/outbox.sqlite"
            let outbox = try Outbox.open(
                path: path,
                corruption: .quarantine,
                clock: SystemWallClock(),
                logger: testLogger,
                maximumPageCount: 8
            )
            var stored = 0
            var failure: OutboxError?
            for index in 0..<2000 {
                do throws(OutboxError) {
                    try await outbox.publish(event(.orderUpdated, "order-with-a-long-identifier-\(index)"))
                    stored += 1
                } catch {
                    failure = error
                    break
                }
            }
            let error = try #require(failure)
            #expect(error.code == .diskFull)
            #expect(error.message.contains("is full"))
            #expect(error.message.contains("nothing was written"))
            #expect(try await outbox.statistics().pending == stored)
            // A batch that does not fit is all-or-nothing.
            await #expect(throws: OutboxError.self) {
                try await outbox.publish(contentsOf: (0..<50).map { event(.partyUpdated, "party-\($0)") })
            }
            #expect(try await outbox.statistics().pending == stored)
        }
    }
}
