import RedisServerSupport

/// One reading of a cluster node's own counters (`INFO commandstats`, `INFO errorstats`); what the node did during
/// a run is the difference between the readings at its start and its end.
struct ClusterNodeStatistics: Sendable, Hashable {
    /// Executed calls by command name (lower case).
    var calls: [String: Int] = [:]
    /// Error replies by error code (`MOVED`, `ASK`…).
    var errors: [String: Int] = [:]
    /// The process the counters belong to.
    var processIdentifier: Int32?

    /// The commands counted as reads and as writes in the per-node table.
    static let readCommands: Set<String> = ["get", "getrange", "getex", "mget", "exists"]
    static let writeCommands: Set<String> = ["set", "setex", "psetex", "del", "unlink", "expire", "pexpire", "getdel"]

    /// Reads the node's counters; nil when it does not answer (down, or restarting).
    static func read(_ server: RedisServer) async -> ClusterNodeStatistics? {
        guard server.isRunning,
              let commands = try? await server.command(["INFO", "commandstats"], timeout: .seconds(2)),
              let errors = try? await server.command(["INFO", "errorstats"], timeout: .seconds(2)),
              let commandText = RawRedisReply(commands)?.text, let errorText = RawRedisReply(errors)?.text
        else { return nil }
        var statistics = ClusterNodeStatistics(commandstats: commandText, errorstats: errorText)
        statistics.processIdentifier = server.processIdentifier
        return statistics
    }

    /// Parses `cmdstat_get:calls=12,usec=…` and `errorstat_MOVED:count=3` lines.
    init(commandstats: String, errorstats: String) {
        for (name, fields) in Self.entries(commandstats, prefix: "cmdstat_") {
            calls[name.lowercased()] = fields["calls"]
        }
        for (name, fields) in Self.entries(errorstats, prefix: "errorstat_") {
            errors[name] = fields["count"]
        }
    }

    init() {}

    private static func entries(_ text: String, prefix: String) -> [(String, [String: Int])] {
        text.split(whereSeparator: \.isNewline).compactMap { line in
            guard line.hasPrefix(prefix), let colon = line.firstIndex(of: ":") else { return nil }
            let name = String(line[line.index(line.startIndex, offsetBy: prefix.count)..<colon])
            var fields: [String: Int] = [:]
            for pair in line[line.index(after: colon)...].split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, let value = Int(parts[1]) { fields[String(parts[0])] = value }
            }
            return (name, fields)
        }
    }

    /// What happened since `earlier`. A node restarted in between (another process) counts from its restart:
    /// its counters began again at zero.
    func since(_ earlier: ClusterNodeStatistics?) -> ClusterNodeStatistics {
        guard let earlier, earlier.processIdentifier == processIdentifier else { return self }
        func difference(_ now: [String: Int], _ before: [String: Int]) -> [String: Int] {
            now.reduce(into: [:]) { result, entry in result[entry.key] = entry.value - before[entry.key, default: 0] }
        }
        var result = ClusterNodeStatistics()
        result.calls = difference(calls, earlier.calls)
        result.errors = difference(errors, earlier.errors)
        return result
    }

    /// Calls of the commands in `names`.
    func calls(of names: Set<String>) -> Int { calls.filter { names.contains($0.key) }.values.reduce(0, +) }
}
