import ArgumentParser

/// `dojo-agent notify` (not yet built).
struct NotifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "notify", abstract: "Not yet available.")

    func run() async throws {
        throw ValidationError("'notify' is not built yet")
    }
}
