import Foundation
import RedisServerSupport

/// The reference point for many callers: `redis-benchmark` (the C client with 64 connections), run as a
/// child process against the same server.
enum RedisBenchmarkBaseline {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `redis-benchmark -c clients -P 1 -t get -n requests --csv` and parses its CSV line.
    static func run(name: String, port: Int, clients: Int, requests: Int) throws -> BenchmarkResult {
        guard let executable = RedisServer.findExecutable("redis-benchmark") else {
            throw Failure(description: "redis-benchmark not found (apt-get install -y redis-tools)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-h", "127.0.0.1", "-p", String(port), "-c", String(clients), "-P", "1",
                             "-t", "get", "-n", String(requests), "--csv"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
        let rows = text.split(whereSeparator: \.isNewline).map { line in
            line.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        }
        guard let header = rows.first(where: { $0.first == "test" }),
              let row = rows.first(where: { $0.first == "GET" }),
              let rpsIndex = header.firstIndex(of: "rps"),
              let p50Index = header.firstIndex(of: "p50_latency_ms"),
              let p99Index = header.firstIndex(of: "p99_latency_ms"),
              row.count == header.count,
              let rps = Double(row[rpsIndex]), let p50 = Double(row[p50Index]), let p99 = Double(row[p99Index])
        else {
            throw Failure(description: "could not parse redis-benchmark output: \(text.prefix(300))")
        }
        return BenchmarkResult(name: name, opsPerSec: rps, p50Micros: p50 * 1000, p99Micros: p99 * 1000)
    }
}
