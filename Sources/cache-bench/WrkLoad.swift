import Foundation
import RedisServerSupport

/// `wrk` as a child process: the same HTTP load generator against the bridge and the bare endpoint.
enum WrkLoad {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `wrk -t2 -cN -dS --latency` with `headers` against `url` and parses requests/s and p50/p99.
    static func run(name: String, url: String, headers: [String], connections: Int, duration: Duration) throws -> BenchmarkResult {
        guard let executable = RedisServer.findExecutable("wrk") else {
            throw Failure(description: "wrk not found (apt-get install -y wrk, or run scripts/bench.sh)")
        }
        let seconds = max(1, Int((Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18).rounded()))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-t", "2", "-c", String(connections), "-d", "\(seconds)s", "--latency"]
            + headers.flatMap { ["-H", $0] } + [url]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        var requestsPerSecond: Double?
        var percentiles: [String: Double] = [:]
        var errors = false
        for line in text.split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.first == "Requests/sec:", fields.count == 2 { requestsPerSecond = Double(fields[1]) }
            if fields.count == 2, ["50%", "99%"].contains(String(fields[0])) {
                percentiles[String(fields[0])] = microseconds(String(fields[1]))
            }
            if line.contains("Non-2xx or 3xx responses") { errors = true }
        }
        guard let requestsPerSecond, let p50 = percentiles["50%"], let p99 = percentiles["99%"] else {
            throw Failure(description: "could not parse wrk output: \(text.prefix(300))")
        }
        if errors { throw Failure(description: "wrk saw error responses from \(url): \(text.prefix(500))") }
        return BenchmarkResult(name: name, opsPerSec: requestsPerSecond, p50Micros: p50, p99Micros: p99)
    }

    /// wrk prints latencies as `512.00us`, `1.23ms` or `2.00s`.
    private static func microseconds(_ text: String) -> Double? {
        for (suffix, factor) in [("us", 1.0), ("ms", 1000.0), ("s", 1_000_000.0)] where text.hasSuffix(suffix) {
            return Double(text.dropLast(suffix.count)).map { $0 * factor }
        }
        return nil
    }
}
