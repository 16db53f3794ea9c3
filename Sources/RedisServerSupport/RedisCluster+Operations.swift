import Foundation

extension RedisCluster {
    /// Kills primary `node` with SIGKILL, as a crash would, and waits until one of its replicas has been
    /// promoted and serves its slots and the cluster is healthy again (the killed node is then reported
    /// failed by the others). Returns the promoted node's number. Takes about `2 × nodeTimeout`.
    @discardableResult
    public func failOver(primary node: Int, timeout: Duration = .seconds(30)) async throws -> Int {
        let before = try await layout()
        guard let slots = before.primaries[node], let firstSlot = slots.first?.lowerBound else {
            throw ClusterError(description: "node \(node) serves no slots")
        }
        let candidates = before.replicas(of: node).filter { servers[$0].isRunning }
        guard !candidates.isEmpty else { throw ClusterError(description: "node \(node) has no running replica to promote") }
        await servers[node].kill()
        var promoted: Int?
        try await waitUntil(timeout: timeout, "a replica of node \(node) to take over") {
            let now = try await self.layout()
            guard let owner = now.primary(ofSlot: firstSlot), candidates.contains(owner) else {
                return "slot \(firstSlot) is still served by node \(now.primary(ofSlot: firstSlot).map(String.init) ?? "nobody")"
            }
            promoted = owner
            return try await self.healthProblem()
        }
        guard let promoted else { throw ClusterError(description: "no replica of node \(node) was promoted") }
        return promoted
    }

    /// Kills `node` with SIGKILL and returns at once (the cluster notices after `nodeTimeout`).
    public func kill(node: Int) async {
        await servers[node].kill()
    }

    /// Starts `node` again on its port and directory (after ``kill(node:)`` or ``failOver(primary:timeout:)``)
    /// and waits until it has rejoined and the cluster is healthy. The node keeps its id and announced
    /// port; a former primary whose slots a replica took over comes back as that replica's replica.
    public func restart(node: Int, timeout: Duration = .seconds(30)) async throws {
        try await servers[node].restart()
        try await waitUntilHealthy(timeout: timeout)
    }

    /// Moves `count` slots — `source`'s highest-numbered ones — to primary `target`, as `redis-cli --cluster
    /// reshard` does: `SETSLOT … IMPORTING` on the target, `MIGRATING` on the source, the keys moved with
    /// `MIGRATE`, then `SETSLOT … NODE` on both and on every other primary.
    ///
    /// `slotsPerStep` slots go through these steps together, each step's commands pipelined on one connection
    /// per node (most slots of a small data set are empty, so round trips, not keys, set the pace); 1 is
    /// `redis-cli`'s pace. While a step's slots are held in migration for `hold` after their keys moved, clients
    /// asking the source for them get `ASK`; after they are assigned, `MOVED`. Returns the slots moved. Runs
    /// while the cluster serves requests; waits until the cluster is healthy at the end.
    @discardableResult
    public func moveSlots(
        _ count: Int, from source: Int, to target: Int, holdingEachSlot hold: Duration = .zero, slotsPerStep: Int = 1,
        timeout: Duration = .seconds(60)
    ) async throws -> [Int] {
        let layout = try await layout()
        guard source != target else { throw ClusterError(description: "moving slots from node \(source) to itself") }
        guard let ranges = layout.primaries[source] else { throw ClusterError(description: "node \(source) serves no slots") }
        guard layout.replicaOf[target] == nil, servers[target].isRunning else {
            throw ClusterError(description: "node \(target) is not a running primary")
        }
        let owned = ranges.flatMap { Array($0) }
        guard count > 0, count <= owned.count else {
            throw ClusterError(description: "node \(source) serves \(owned.count) slots; cannot move \(count)")
        }
        let slots = Array(owned.suffix(count))
        let sourceServer = servers[source]
        let targetServer = servers[target]
        let step = max(1, slotsPerStep)
        for first in stride(from: 0, to: slots.count, by: step) {
            let numbers = slots[first..<min(first + step, slots.count)].map(String.init)
            try await targetServer.expectAllOK(numbers.map { ["CLUSTER", "SETSLOT", $0, "IMPORTING", nodeIDs[source]] })
            try await sourceServer.expectAllOK(numbers.map { ["CLUSTER", "SETSLOT", $0, "MIGRATING", nodeIDs[target]] })
            while true {
                let replies = try await sourceServer.commands(numbers.map { ["CLUSTER", "GETKEYSINSLOT", $0, "100"] })
                // One MIGRATE per slot: keys of several slots in one command would be refused (CROSSSLOT).
                let migrations = replies.compactMap { reply -> [String]? in
                    let keys = RawRedisReply(reply)?.elements?.compactMap(\.text) ?? []
                    return keys.isEmpty ? nil : ["MIGRATE", "127.0.0.1", String(targetServer.port), "", "0", "5000", "KEYS"] + keys
                }
                guard !migrations.isEmpty else { break }
                for (migration, answer) in zip(migrations, try await sourceServer.commands(migrations))
                where !(answer.hasPrefix("+OK") || answer.hasPrefix("+NOKEY")) {
                    throw ClusterError(description: "MIGRATE of \(migration[7]): \(answer.trimmingCharacters(in: .whitespacesAndNewlines))")
                }
            }
            if hold > .zero { try await Task.sleep(for: hold) }
            let assign = numbers.map { ["CLUSTER", "SETSLOT", $0, "NODE", nodeIDs[target]] }
            try await targetServer.expectAllOK(assign)
            try await sourceServer.expectAllOK(assign)
            for other in layout.primaries.keys where other != source && other != target && servers[other].isRunning {
                // Best effort, as redis-cli does: gossip tells a primary that misses this soon enough.
                _ = try? await servers[other].commands(assign)
            }
        }
        try await waitUntilHealthy(timeout: timeout)
        return slots
    }
}

extension RedisCluster {
    /// Waits until every running replica of primary `node` has received everything `node` had written when the
    /// wait began: its `slave_repl_offset` reaches the primary's `master_repl_offset`.
    ///
    /// `WAIT` is no substitute from a harness connection: it counts replicas that acknowledged *that connection's*
    /// writes, so on a connection that wrote nothing it answers at once with every connected replica, whatever
    /// they received. And a replica acknowledges only once a second, so a primary killed right after writes can
    /// take unreceived bytes with it (its socket is reset), and the promoted replica lacks them.
    public func waitUntilReplicated(primary node: Int, timeout: Duration = .seconds(10)) async throws {
        let info = try await bulkText(servers[node], ["INFO", "replication"])
        guard let target = Self.field("master_repl_offset", in: info).flatMap(Int.init) else {
            throw ClusterError(description: "node \(node) shows no master_repl_offset")
        }
        let replicas = try await layout().replicas(of: node).filter { servers[$0].isRunning }
        try await waitUntil(timeout: timeout, "the replicas of node \(node) to reach offset \(target)") {
            for replica in replicas {
                let text = try await self.bulkText(self.servers[replica], ["INFO", "replication"])
                let offset = Self.field("slave_repl_offset", in: text).flatMap(Int.init) ?? -1
                if offset < target { return "replica \(replica) is at offset \(offset)" }
            }
            return nil
        }
    }

    /// The value of `name:value` in an `INFO` reply.
    static func field(_ name: String, in info: String) -> String? {
        info.split(whereSeparator: \.isNewline).first { $0.hasPrefix(name + ":") }
            .map { String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces) }
    }
}
