import ArgumentParser
import DojoAgentCore
import DojoProtocol
import Foundation
import Logging

/// `dojo-agent queue`: inspect and repair the outbox. Opens the database directly, so it works whether or not the
/// agent runs (SQLite serialises the writers).
struct QueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Inspect and repair the POS event outbox (works whether or not the agent runs).",
        subcommands: [List.self, Retry.self, Purge.self]
    )

    /// Opens the outbox of the configured state directory; never moves a damaged file (that is the agent's job).
    static func openOutbox(_ options: ConfigOptions) async throws -> (Outbox, AgentConfiguration) {
        let configuration = try options.load(requireCredentials: false).configuration
        let path = configuration.outboxDatabasePath
        guard FileManager.default.fileExists(atPath: path) else {
            CommandOutput.fail("no outbox at \(path) (the agent has not run with this state directory yet)", status: 66)
        }
        var logger = Logger(label: "dojo.queue")
        logger.logLevel = .error
        do throws(OutboxError) {
            return (try Outbox.open(path: path, corruption: .fail, logger: logger), configuration)
        } catch {
            CommandOutput.fail(error.message, status: 1)
        }
    }

    /// Tells a running agent to look at the table now; silent when it is not running.
    static func wakeAgent(_ configuration: AgentConfiguration) async {
        _ = try? await ControlClient(socketPath: configuration.controlSocketPath, timeoutSeconds: 5)
            .send(ControlRequest(command: "wake"))
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List pending and dead-lettered events with their age, attempts and last error."
        )

        @Flag(help: "Print one JSON object (schema 1, Docs/operations.md) with every event and its full id.")
        var json = false

        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let (outbox, _) = try await QueueCommand.openOutbox(self.options)
            let now = Date()
            do throws(OutboxError) {
                let pending = try await outbox.pendingEntries()
                let dead = try await outbox.deadLetters()
                if self.json {
                    print(Self.document(pending: pending, dead: dead, now: now).serialized())
                    return
                }
                print("pending: \(pending.count)")
                if !pending.isEmpty {
                    print(
                        Table.render(
                            header: ["ID", "TYPE", "ENTITY", "AGE", "ATTEMPTS", "NEXT ATTEMPT", "LAST ERROR"],
                            rows: pending.map { entry in
                                [
                                    "\(entry.id)", entry.event.type.rawValue, entry.event.entityID,
                                    Table.age(now.timeIntervalSince(entry.createdAt)), "\(entry.attempts)",
                                    entry.nextAttemptAt <= now
                                        ? "now" : "in " + Table.age(entry.nextAttemptAt.timeIntervalSince(now)),
                                    entry.lastError ?? "",
                                ]
                            }
                        )
                    )
                }
                print("dead: \(dead.count)")
                if !dead.isEmpty {
                    print(
                        Table.render(
                            header: ["ID", "TYPE", "ENTITY", "AGE", "ATTEMPTS", "DEAD FOR", "STATUS", "REASON"],
                            rows: dead.map { letter in
                                [
                                    "\(letter.id)", letter.eventType, letter.entityID,
                                    Table.age(now.timeIntervalSince(letter.createdAt)), "\(letter.attempts)",
                                    Table.age(now.timeIntervalSince(letter.deadAt)),
                                    letter.status.map { "\($0)" } ?? "-",
                                    letter.reason,
                                ]
                            }
                        )
                    )
                    print(
                        "retry one with 'dojo-agent queue retry ID', all with 'queue retry --all-dead'; drop them with 'queue purge --dead'"
                    )
                }
            } catch {
                CommandOutput.fail(error.message, status: 1)
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send an event again now: a dead one moves back to pending; a pending one is due at once.",
            discussion: "Give an ID from 'dojo-agent queue list', or --all-dead for every dead-lettered event."
        )

        @Argument(help: "The event's ID (from 'queue list').")
        var id: Int64?

        @Flag(help: "Retry every dead-lettered event.")
        var allDead = false

        @OptionGroup var options: ConfigOptions

        func validate() throws {
            guard (self.id == nil) != !self.allDead else {
                throw ValidationError("give either an ID or --all-dead")
            }
        }

        func run() async throws {
            let (outbox, configuration) = try await QueueCommand.openOutbox(self.options)
            do throws(OutboxError) {
                if let id = self.id {
                    try await outbox.retry(id: id)
                    print("event \(id) is due now")
                } else {
                    let count = try await outbox.retryAllDeadLetters()
                    print("\(count) dead-lettered event\(count == 1 ? "" : "s") moved back to pending")
                }
            } catch {
                CommandOutput.fail(error.message, status: error.code == .notFound ? 65 : 1)
            }
            await QueueCommand.wakeAgent(configuration)
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete dead-lettered events (pending ones are never purged).",
            discussion: "Requires --dead, so that the command says what it deletes."
        )

        @Flag(help: "Delete every dead-lettered event.")
        var dead = false

        @OptionGroup var options: ConfigOptions

        func validate() throws {
            guard self.dead else { throw ValidationError("say what to purge: --dead") }
        }

        func run() async throws {
            let (outbox, _) = try await QueueCommand.openOutbox(self.options)
            do throws(OutboxError) {
                let count = try await outbox.purgeDeadLetters()
                print("\(count) dead-lettered event\(count == 1 ? "" : "s") deleted")
            } catch {
                CommandOutput.fail(error.message, status: 1)
            }
        }
    }
}

/// Plain-text tables for operator output.
enum Table {
    static func render(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows.map { $0.map { $0.replacingOccurrences(of: "\n", with: " ") } }
        let widths = header.indices.map { column in all.map { min($0[column].count, 60) }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                let clipped = cell.count > 60 && column < row.count - 1 ? String(cell.prefix(59)) + "…" : cell
                return column == row.count - 1
                    ? clipped : clipped.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }
            .joined(separator: "  ")
        }
        .joined(separator: "\n")
    }

    /// `45s`, `3m12s`, `2h05m`, `3d04h`.
    static func age(_ interval: TimeInterval) -> String {
        let seconds = max(0, Int(interval))
        switch seconds {
        case ..<60: return "\(seconds)s"
        case ..<3600: return "\(seconds / 60)m\(String(format: "%02d", seconds % 60))s"
        case ..<86400: return "\(seconds / 3600)h\(String(format: "%02d", seconds % 3600 / 60))m"
        default: return "\(seconds / 86400)d\(String(format: "%02d", seconds % 86400 / 3600))h"
        }
    }
}

extension QueueCommand.List {
    /// `queue list --json`: `{"schema":1,"pending":[…],"dead":[…]}`, oldest first, nothing clipped.
    static func document(pending: [OutboxEntry], dead: [DeadLetter], now: Date) -> JSONValue {
        func time(_ date: Date) -> JSONValue { .string(AgentStatusReport.iso8601(date)) }
        func age(_ date: Date) -> JSONValue { .double((max(0, now.timeIntervalSince(date)) * 1000).rounded() / 1000) }
        return .object([
            "schema": 1,
            "pending": .array(
                pending.map { entry in
                    .object([
                        "id": .integer(entry.id),
                        "type": .string(entry.event.type.rawValue),
                        "entityId": .string(entry.event.entityID),
                        "createdAt": time(entry.createdAt),
                        "ageSeconds": age(entry.createdAt),
                        "attempts": .integer(Int64(entry.attempts)),
                        "nextAttemptAt": time(entry.nextAttemptAt),
                        "lastError": entry.lastError.map(JSONValue.string) ?? .null,
                    ])
                }
            ),
            "dead": .array(
                dead.map { letter in
                    .object([
                        "id": .integer(letter.id),
                        "type": .string(letter.eventType),
                        "entityId": .string(letter.entityID),
                        "createdAt": time(letter.createdAt),
                        "ageSeconds": age(letter.createdAt),
                        "attempts": .integer(Int64(letter.attempts)),
                        "deadAt": time(letter.deadAt),
                        "status": letter.status.map { .integer(Int64($0)) } ?? .null,
                        "reason": .string(letter.reason),
                        "responseBody": letter.responseBody.map(JSONValue.string) ?? .null,
                    ])
                }
            ),
        ])
    }
}
