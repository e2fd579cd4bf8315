import ArgumentParser

/// `dojo-agent queue` (not yet built).
struct QueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "queue", abstract: "Not yet available.")

    func run() async throws {
        throw ValidationError("'queue' is not built yet")
    }
}
