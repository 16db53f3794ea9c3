import ArgumentParser
import Logging

/// Options every subcommand takes.
struct SharedOptions: ParsableArguments {
    @Option(help: "Log level of the harness on stderr: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .warning

    @Option(help: "Log level of the caches under test (fault scenarios cause thousands of KV errors on purpose).")
    var cacheLogLevel: Logger.Level = .error

    @Argument(help: "Scenario files or directories (default: Scenarios/).")
    var paths: [String] = []

    /// The paths, or the default directory.
    var scenarioPaths: [String] { paths.isEmpty ? ["Scenarios"] : paths }

    /// Bootstraps swift-log once for the process: stderr, at the requested level.
    func bootstrapLogging() {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
