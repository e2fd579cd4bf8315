import ArgumentParser

/// `dojo-sim`: a local Dojo for demos, tests and vendors' pre-go-live checks.
@main
struct DojoSimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dojo-sim",
        abstract: "A local Dojo: the EPOS Data WebSocket and the Dojo API endpoints, scripted and with faults.",
        discussion: """
            serve   run until stopped; point an agent at the printed URLs
            run     serve, wait for an agent to connect, run scenario files, print the report
            check   start a real dojo-agent with your adapter and run the conformance scenarios against it
            demo    the same with the built-in demo POS, telling the story as it goes
            soak    serve and drive an agent with paced traffic, bursts and faults for a fixed time

            See Docs/simulator.md (scenario format, faults) and Docs/vendor-guide.md.
            """,
        version: "dojo-sim 0.1.0",
        subcommands: [
            ServeCommand.self, RunCommand.self, CheckCommand.self, DemoCommand.self, SoakCommand.self,
            ContractCommand.self,
        ]
    )
}
