import ArgumentParser

/// `dojo-bench`: the project's benchmarks, one subcommand per area (`scripts/bench` runs them). Each prints its
/// measurements beside a baseline measured in the same run, and the ratio, so numbers from different machines
/// can be compared.
@main
struct DojoBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dojo-bench",
        abstract: "Benchmarks for dojo-agent, each against a baseline measured in the same run.",
        subcommands: [
            TransportBench.self, SessionBench.self, SessionTarget.self, OutboxBenchmark.self, IdleMemoryBench.self,
        ]
    )
}
