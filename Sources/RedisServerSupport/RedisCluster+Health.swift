import Foundation

extension RedisCluster {
    /// The layout as the first running node sees it.
    public func layout() async throws -> RedisClusterLayout {
        guard let server = servers.first(where: \.isRunning) else { throw ClusterError(description: "no node runs") }
        return RedisClusterLayout(entries: try await nodesEntries(of: server), number: nodeNumber(id:))
    }

    /// Waits until every running node reports `cluster_state:ok`, knows every node at its announced port,
    /// considers no running node failed, shows no slot migration, and all of them agree on roles and slots;
    /// and every running replica's link to its primary is up (so it could take over).
    public func waitUntilHealthy(timeout: Duration = .seconds(30)) async throws {
        try await waitUntil(timeout: timeout, "the cluster to become healthy") { try await self.healthProblem() }
    }

    /// Polls `problem` every `interval` until it returns nil (no problem left), or fails with the last problem seen.
    /// 20 ms by default: a cluster settles within tens of milliseconds of the event that unsettled it, and each
    /// poll is a few loopback round trips per node.
    func waitUntil(
        timeout: Duration, _ what: String, every interval: Duration = .milliseconds(20), problem: () async throws -> String?
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        var last = "not checked"
        while true {
            do {
                guard let found = try await problem() else { return }
                last = found
            } catch {
                last = "\(error)"
            }
            guard ContinuousClock.now < deadline else {
                throw ClusterError(description: "timed out after \(timeout) waiting for \(what): \(last)")
            }
            try await Task.sleep(for: interval)
        }
    }

    /// What keeps the cluster from being healthy, or nil.
    func healthProblem() async throws -> String? {
        var agreedView: String?
        for (number, server) in servers.enumerated() where server.isRunning {
            let info = try await bulkText(server, ["CLUSTER", "INFO"])
            guard info.contains("cluster_state:ok") else { return "node \(number): cluster_state is not ok" }
            let entries = try await nodesEntries(of: server)
            guard entries.count == servers.count else { return "node \(number) knows \(entries.count) of \(servers.count) nodes" }
            var view: [String] = []
            for entry in entries {
                guard let other = nodeNumber(id: entry.id) else { return "node \(number) knows a stranger \(entry.id)" }
                if entry.hasMigrations { return "node \(number) shows slots migrating" }
                if servers[other].isRunning {
                    if entry.isFailing { return "node \(number) considers node \(other) failing" }
                    if entry.flags.contains("handshake") || entry.flags.contains("noaddr") {
                        return "node \(number) is still meeting node \(other)"
                    }
                    if entry.port != announcedPorts[other] {
                        return "node \(number) sees node \(other) at port \(entry.port), not \(announcedPorts[other])"
                    }
                }
                let role = entry.isPrimary ? "primary" : "replica-of-\(entry.primaryID.flatMap(nodeNumber(id:)) ?? -1)"
                view.append("\(other):\(role):\(entry.slotRanges)")
            }
            let summary = view.sorted().joined(separator: " ")
            if let agreedView, agreedView != summary {
                return "nodes disagree: \(agreedView) vs node \(number): \(summary)"
            }
            agreedView = summary
            if let myself = entries.first(where: { $0.flags.contains("myself") }), !myself.isPrimary {
                let replication = try await bulkText(server, ["INFO", "replication"])
                guard replication.contains("master_link_status:up") else { return "replica \(number) is not synced" }
            }
        }
        return agreedView == nil ? "no node runs" : nil
    }

    func nodesEntries(of server: RedisServer) async throws -> [ClusterNodesEntry] {
        ClusterNodesEntry.parse(try await bulkText(server, ["CLUSTER", "NODES"]))
    }

    func bulkText(_ server: RedisServer, _ arguments: [String]) async throws -> String {
        let raw = try await server.command(arguments)
        guard let text = RawRedisReply(raw)?.text else {
            throw ClusterError(description: "\(arguments.joined(separator: " ")) on port \(server.port): \(raw.prefix(200))")
        }
        return text
    }
}
