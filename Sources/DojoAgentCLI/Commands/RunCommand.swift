import ArgumentParser

/// `dojo-agent run` (not yet built).
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Not yet available.")

    func run() async throws {
        throw ValidationError("'run' is not built yet")
    }
}
