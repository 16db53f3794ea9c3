import Yams

extension ScenarioParser {
    /// The cluster fields of `topology` (`primaries`, `replicasPerPrimary`, `nodeTimeoutMs`): read with
    /// `backend: redis-cluster`, refused with any other backend so a misplaced field is never silently ignored.
    static func parseCluster(
        _ reader: inout MappingReader, backend: Topology.Backend
    ) throws(ScenarioFileError) -> ClusterSpecification? {
        let fields = ["primaries", "replicasPerPrimary", "nodeTimeoutMs"]
        guard backend == .redisCluster else {
            if let field = fields.first(where: { reader.has($0) }) {
                throw reader.error(field, expected: "no '\(field)' (it needs 'backend: redis-cluster')", found: reader.node(field))
            }
            return nil
        }
        return ClusterSpecification(
            primaries: try reader.int("primaries", default: 3, in: 3...9),
            replicasPerPrimary: try reader.int("replicasPerPrimary", default: 0, in: 0...2),
            nodeTimeoutMilliseconds: try reader.int("nodeTimeoutMs", default: 1000, in: 100...60_000))
    }

    /// `cluster-failover` (`node`, default 0), `cluster-reshard` (`slots` default 100, `from` default 0, `to`
    /// default 1, `holdMs` default 20, `slotsPerStep` default 16), `cluster-node-restart` (`node`, required). Node numbers are checked
    /// against the topology in ``validateCluster(_:line:)``.
    static func parseClusterAction(_ name: String, _ reader: inout MappingReader) throws(ScenarioFileError) -> TimelineAction {
        let nodes = 0...26
        switch name {
        case "cluster-failover":
            return .cluster(.failover(node: try reader.int("node", default: 0, in: nodes)))
        case "cluster-reshard":
            let from = try reader.int("from", default: 0, in: nodes)
            let to = try reader.int("to", default: 1, in: nodes)
            guard from != to else {
                throw reader.error("to", expected: "a node other than 'from' (\(from))", found: reader.node("to"))
            }
            return .cluster(.reshard(
                slots: try reader.int("slots", default: 100, in: 1...16383), from: from, to: to,
                holdMilliseconds: try reader.int("holdMs", default: 20, in: 0...10_000),
                slotsPerStep: try reader.int("slotsPerStep", default: 16, in: 1...16383)))
        default:
            return .cluster(.nodeRestart(node: try reader.int("node", in: nodes)))
        }
    }

    /// `node: N` on a proxy action: only that cluster node's proxy is reached. Only proxy actions take it, and
    /// only with `backend: redis-cluster` (checked in ``validateCluster(_:line:)``).
    static func parseNodeSelector(_ reader: inout MappingReader, action: TimelineAction) throws(ScenarioFileError) -> Int? {
        if action.needsCluster { return nil }  // Their own `node` field was read with the action.
        guard reader.has("node") else { return nil }
        guard action.isProxyAction else {
            throw reader.error("node", expected: "no node ('\(action.name)' does not act on a proxy)", found: reader.node("node"))
        }
        return try reader.int("node", in: 0...26)
    }

    /// Cross-field checks of a cluster scenario: actions fit the backend, node numbers exist, a failover has a
    /// replica to promote, and proxies sit in front of nodes, not instances.
    static func validateCluster(_ scenario: Scenario, line: (String, Int) -> Int?) throws(ScenarioFileError) {
        let file = scenario.file
        let backend = scenario.topology.backend
        for (index, event) in scenario.timeline.enumerated() {
            let field = "timeline[\(index)]"
            if event.action.needsCluster, backend != .redisCluster {
                throw ScenarioFileError(file: file, line: line("timeline", index), field: "\(field).action",
                                        expected: "'topology.backend: redis-cluster' for '\(event.action.name)'",
                                        found: "'\(event.action.name)' with backend '\(backend.rawValue)'")
            }
            if event.action.needsSingleServer, backend == .redisCluster {
                throw ScenarioFileError(file: file, line: line("timeline", index), field: "\(field).action",
                                        expected: "an action a cluster supports (it has many servers: use \(ClusterAction.allNames.joined(separator: ", ")), or a proxy action with 'node')",
                                        found: "'\(event.action.name)'")
            }
            if event.node != nil, backend != .redisCluster {
                throw ScenarioFileError(file: file, line: line("timeline", index), field: "\(field).node",
                                        expected: "no node ('node' selects a cluster node's proxy: it needs 'backend: redis-cluster')",
                                        found: "\(event.node ?? 0)")
            }
            guard let cluster = scenario.topology.cluster else { continue }
            var nodes: [(String, Int)] = event.node.map { [("node", $0)] } ?? []
            if case .cluster(let action) = event.action {
                switch action {
                case .failover(let node):
                    nodes.append(("node", node))
                    if cluster.replicasPerPrimary == 0 {
                        throw ScenarioFileError(file: file, line: line("timeline", index), field: "\(field).action",
                                                expected: "'topology.replicasPerPrimary' ≥ 1 for 'cluster-failover' (a replica to promote)",
                                                found: "replicasPerPrimary 0")
                    }
                case .reshard(_, let from, let to, _, _): nodes += [("from", from), ("to", to)]
                case .nodeRestart(let node): nodes.append(("node", node))
                }
            }
            for (key, node) in nodes where node >= cluster.nodeCount {
                throw ScenarioFileError(file: file, line: line("timeline", index), field: "\(field).\(key)",
                                        expected: "a node number in 0…\(cluster.nodeCount - 1) (nodes 0…\(cluster.primaries - 1) start as primaries)",
                                        found: "\(node)")
            }
        }
        if backend == .redisCluster {
            if scenario.topology.proxies != .shared {
                throw ScenarioFileError(file: file, field: "topology.proxies",
                                        expected: "'shared' with 'backend: redis-cluster' (the proxies sit in front of the nodes; aim a fault at one with 'node')",
                                        found: "'\(scenario.topology.proxies.rawValue)'")
            }
            if scenario.topology.persistence {
                throw ScenarioFileError(file: file, field: "topology.persistence",
                                        expected: "false with 'backend: redis-cluster' (a cluster keeps its data on its replicas)",
                                        found: "true")
            }
        }
    }
}
