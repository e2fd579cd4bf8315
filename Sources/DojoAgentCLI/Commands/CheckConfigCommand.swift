import ArgumentParser
import DojoAgentCore
import Foundation

/// `dojo-agent check-config`: validate and print the resolved configuration.
struct CheckConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate the configuration and print every key's resolved value and where it came from.",
        discussion: "Secrets are printed as <redacted>. Exits 78 (EX_CONFIG) with a message naming the key on error."
    )

    @OptionGroup var options: ConfigOptions

    @Flag(
        help: "Do not require the API key and software-house-id (systemd's ExecReload= gets no credentials)."
    )
    var noCredentials = false

    func run() async throws {
        let resolved = try self.options.load(requireCredentials: !self.noCredentials)
        let width = resolved.listing.map(\.key.count).max() ?? 0
        print("# configuration file: \(self.options.configFile ?? "(none: defaults, environment and flags only)")")
        for entry in resolved.listing {
            let padded = entry.key.padding(toLength: width, withPad: " ", startingAt: 0)
            print("\(padded) = \(entry.value.isEmpty ? "\"\"" : entry.value)   # \(entry.source)")
        }
        print("# OK")
    }
}
