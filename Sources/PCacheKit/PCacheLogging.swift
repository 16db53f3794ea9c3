import ArgumentParser
import Logging

/// How the `pcache` executable logs and exits.
enum PCacheLogging {
    /// Warnings and errors from the cache's stores, on standard error.
    static func logger() -> Logger {
        var logger = Logger(label: "pcache") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .warning
        return logger
    }

    /// Prints `output` and exits with its code.
    static func finish(_ output: CommandOutput, json: Bool) throws {
        print(output.rendered(asJSON: json))
        if output.exitCode != .ok { throw ExitCode(output.exitCode.rawValue) }
    }
}
