import ArgumentParser

/// `dojo-agent check-config` (not yet built).
struct CheckConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check-config", abstract: "Not yet available.")

    func run() async throws {
        throw ValidationError("'check-config' is not built yet")
    }
}
