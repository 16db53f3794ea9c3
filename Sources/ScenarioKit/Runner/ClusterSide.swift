import FaultProxy
import Foundation
import Logging
import RedisServerSupport

/// The Redis side of a `backend: redis-cluster` run: a ``RedisCluster`` whose node N announces the port of fault
/// proxy `node-N` in front of it, so the topology replies and every `MOVED`/`ASK` send the instances through the
/// proxies, and a toxic on one proxy reaches exactly one node. The harness's own operations (creation, failover,
/// resharding, the node statistics) use the servers' own ports, so no toxic stalls them.
struct ClusterSide: Sendable {
    let cluster: RedisCluster
    let proxies: ProxyRegistry
    let specification: ClusterSpecification

    /// The harness options of a scenario's cluster.
    static func options(for specification: ClusterSpecification) -> RedisCluster.Options {
        RedisCluster.Options(
            primaries: specification.primaries, replicasPerPrimary: specification.replicasPerPrimary,
            nodeTimeout: .milliseconds(specification.nodeTimeoutMilliseconds))
    }

    /// Starts the cluster — from `nodes` started ahead (a ``ClusterWarmUp``), or from new nodes when there are none
    /// or they fail to join —, one proxy per node from `proxies`, and waits until it is healthy (cleaned up on
    /// failure; nodes started ahead are registered with `cleanup`, and released from it when they fail).
    static func start(
        _ specification: ClusterSpecification, nodes: RedisClusterNodes? = nil, proxies: ProxyRegistry,
        cleanup: ProcessCleanup, logger: Logger
    ) async throws -> ClusterSide {
        let announcer: RedisCluster.PortAnnouncer = { node, serverPort in
            let name = proxyName(ofNode: node)
            // A warmed-up attempt that failed may have left this node's proxy behind: the retry replaces it.
            if (try? await proxies.proxy(named: name)) != nil { try await proxies.deleteProxy(named: name) }
            return try await proxies.createProxy(ProxyConfiguration(
                name: name, listen: "127.0.0.1:0", upstream: "127.0.0.1:\(serverPort)")).listenPort
        }
        if let nodes {
            do {
                let cluster = try await RedisCluster.start(nodes: nodes, logger: logger, announcing: announcer)
                return ClusterSide(cluster: cluster, proxies: proxies, specification: specification)
            } catch {
                for server in nodes.servers { cleanup.release(server) }
                logger.warning("the nodes started ahead did not form a cluster; starting new ones", metadata: ["error": "\(error)"])
            }
        }
        let cluster = try await RedisCluster.start(options: options(for: specification), logger: logger, announcing: announcer)
        return ClusterSide(cluster: cluster, proxies: proxies, specification: specification)
    }

    /// The proxy in front of `node`.
    static func proxyName(ofNode node: Int) -> String { "node-\(node)" }

    /// Every node's proxy, by node number.
    var proxyNames: [String] { (0..<specification.nodeCount).map(Self.proxyName(ofNode:)) }

    /// The seed an instance slot is given: one node is enough (the store discovers the rest), and spreading the
    /// seeds over the primaries means no node is every instance's only way in.
    func url(forSlot slot: Int) -> String {
        "redis://127.0.0.1:\(cluster.announcedPorts[slot % specification.primaries])?cluster=true"
    }

    /// The environment an instance slot reads through `TieredCache.fromEnvironment`.
    func environment(forSlot slot: Int) -> [String: String] { ["KV_URL": url(forSlot: slot)] }

    /// Connections every node's proxy accepted so far.
    func acceptedConnections() async -> Int {
        var total = 0
        for name in proxyNames { total += (try? await proxies.acceptedConnectionCount(of: name)) ?? 0 }
        return total
    }

    /// Runs a cluster action to its end: returns when the cluster serves every slot again.
    func perform(_ action: ClusterAction) async throws {
        switch action {
        case .failover(let node):
            try await cluster.failOver(primary: node)
        case .reshard(let slots, let from, let to, let hold, let step):
            try await cluster.moveSlots(slots, from: from, to: to, holdingEachSlot: .milliseconds(hold), slotsPerStep: step)
        case .nodeRestart(let node):
            // A node that runs is killed first, as a crash would; one that a failover killed is only started.
            if cluster.servers[node].isRunning { await cluster.kill(node: node) }
            try await cluster.restart(node: node)
        }
    }

    /// Shuts the nodes down and removes their directories (the proxies belong to the registry's owner).
    func cleanUp(_ cleanup: ProcessCleanup) {
        for server in cluster.servers { cleanup.release(server) }
        cluster.cleanUp()
    }
}
