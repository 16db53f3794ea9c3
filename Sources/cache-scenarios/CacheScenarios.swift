import ArgumentParser

/// `cache-scenarios`: runs the plan's test phases as automated scenarios against a real redis-server behind
/// a fault proxy, and writes the validation report.
@main
struct CacheScenarios: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache-scenarios",
        abstract: "Run the persistent cache's validation scenarios and write the validation report.",
        discussion: """
            Scenario files (YAML or JSON) live in Scenarios/; their format is described in docs/scenarios.md.
            `run` exits with 0 only when every expectation of every scenario holds.
            """,
        subcommands: [RunCommand.self, ListCommand.self, ValidateCommand.self],
        defaultSubcommand: RunCommand.self)
}
