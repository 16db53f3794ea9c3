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

    /// Starts the cluster, one proxy per node from `proxies`, and waits until it is healthy (cleaned up on failure).
    static func start(
        _ specification: ClusterSpecification, proxies: ProxyRegistry, logger: Logger
    ) async throws -> ClusterSide {
        let options = RedisCluster.Options(
            primaries: specification.primaries, replicasPerPrimary: specification.replicasPerPrimary,
            nodeTimeout: .milliseconds(specification.nodeTimeoutMilliseconds))
        let cluster = try await RedisCluster.start(options: options, logger: logger) { node, serverPort in
            try await proxies.createProxy(ProxyConfiguration(
                name: proxyName(ofNode: node), listen: "127.0.0.1:0", upstream: "127.0.0.1:\(serverPort)")).listenPort
        }
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
