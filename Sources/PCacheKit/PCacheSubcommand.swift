import ArgumentParser
import Foundation
import Logging

/// A `pcache` subcommand: its work is ``perform(_:logger:)`` against the resolved environment; running it
/// (in-process from a test, or as the executable) is the same for every subcommand.
public protocol PCacheSubcommand: AsyncParsableCommand {
    /// The options every subcommand takes.
    var options: GlobalOptions { get }

    /// Does the work and says what to print and how to exit; the store is shut down afterwards.
    func perform(_ setup: PCacheEnvironment, logger: Logger) async -> CommandOutput
}

extension PCacheSubcommand {
    /// Runs against `environment` (in-process; tests pass their own) and returns the output and exit code.
    public func execute(environment: [String: String], logger: Logger) async -> CommandOutput {
        let setup = PCacheEnvironment(environment: environment, options: options, logger: logger)
        let output = await perform(setup, logger: logger)
        await setup.store?.shutdown()
        return output
    }

    /// Runs against the process's environment, prints, and exits with the documented code.
    public func run() async throws {
        let output = await execute(environment: ProcessInfo.processInfo.environment, logger: PCacheLogging.logger())
        try PCacheLogging.finish(output, json: options.json)
    }
}
