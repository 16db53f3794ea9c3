import Foundation

/// Runs `redis-cli` (the cluster manager commands) as a child process and waits for it.
enum RedisCLI {
    /// Runs `redis-cli arguments…`, its output in a file in `directory`; fails with that output's tail
    /// when it exits non-zero or outlives `timeout`.
    static func run(executable: String, arguments: [String], directory: URL, timeout: Duration) async throws {
        let output = directory.appendingPathComponent("redis-cli-\(UUID().uuidString.prefix(6)).log")
        defer { try? FileManager.default.removeItem(at: output) }
        let process = try SpawnedProcess(executable: executable, arguments: arguments, outputPath: output.path)
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        let tail = text.split(separator: "\n").suffix(12).joined(separator: "\n")
        if process.isRunning {
            process.send(SIGKILL)
            process.reapWhenExited()
            throw RedisCluster.ClusterError(description: "redis-cli \(arguments.prefix(2).joined(separator: " ")) did not finish within \(timeout):\n\(tail)")
        }
        guard let status = process.exitStatus, status == 0 else {
            throw RedisCluster.ClusterError(description: "redis-cli \(arguments.prefix(2).joined(separator: " ")) failed (wait status \(process.exitStatus ?? -1)):\n\(tail)")
        }
    }
}
