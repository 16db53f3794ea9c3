import Foundation
import RedisServerSupport

/// The reference point for `invalidate`: what an operator types, `redis-cli --scan --pattern … | xargs
/// redis-cli unlink`, timed as one shell pipeline against the same server.
enum InvalidationBaseline {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Deletes the keys matching `pattern` and returns keys per second (`keys` is how many there were).
    static func run(name: String, port: Int, pattern: String, keys: Int) throws -> BenchmarkResult {
        guard let cli = RedisServer.findExecutable("redis-cli") else {
            throw Failure(description: "redis-cli not found (apt-get install -y redis-tools)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "\"$0\" -p \"$1\" --scan --pattern \"$2\" | xargs \"$0\" -p \"$1\" unlink > /dev/null",
                             cli, String(port), pattern]
        let clock = ContinuousClock()
        let started = clock.now
        try process.run()
        process.waitUntilExit()
        let elapsed = clock.now - started
        guard process.terminationStatus == 0 else { throw Failure(description: "the redis-cli pipeline failed") }
        return BenchmarkResult(total: keys, elapsed: elapsed, name: name)
    }
}
