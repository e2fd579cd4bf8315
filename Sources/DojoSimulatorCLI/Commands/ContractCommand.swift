import ArgumentParser
import DojoProtocol
import Foundation

/// `dojo-sim contract`: writes the wire contract rendered from the types (``ContractDocuments``) to
/// `Docs/contract/`, or with `--check` fails when the committed files differ from what the types produce.
struct ContractCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contract",
        abstract: "Write the OpenRPC documents of the EPOS Data methods and the process-adapter protocol.",
        discussion: """
            The documents are rendered from the agent's own types, so they say what the agent accepts. Exit \
            status with --check: 0 when every file is up to date, 1 when one differs or is missing.
            """
    )

    @Option(help: ArgumentHelp("The folder to write to.", valueName: "directory"))
    var output = "Docs/contract"

    @Flag(help: "Compare the files with what the types produce instead of writing them.")
    var check = false

    func run() throws {
        var stale: [String] = []
        for (file, document) in ContractDocuments.all() {
            let path = URL(fileURLWithPath: output).appendingPathComponent(file).path
            let text = ContractDocuments.rendered(document)
            if check {
                let committed = try? String(contentsOfFile: path, encoding: .utf8)
                if committed != text { stale.append(path) }
            } else {
                try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
                try text.write(toFile: path, atomically: true, encoding: .utf8)
                print("wrote \(path)")
            }
        }
        if !stale.isEmpty {
            print("out of date (run `dojo-sim contract`): \(stale.joined(separator: ", "))")
            throw ExitCode(1)
        }
    }
}
