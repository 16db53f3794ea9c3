import Foundation

/// A Redis Cluster's nodes, started and not yet joined: what ``RedisCluster/start(options:logger:announcing:)``
/// begins with, available on its own so a harness can start them ahead of time. A primary refuses to report
/// `cluster_state:ok` until 2 s after its process started, so nodes started while something else runs make the
/// cluster ready about 2 s sooner once ``RedisCluster/start(nodes:logger:announcing:)`` joins them.
///
/// Each node already runs in cluster mode on its own ports, knows no other node and serves no slot. Whoever holds
/// the value owns the processes: hand it to `start(nodes:…)` once, or call ``cleanUp()``.
public struct RedisClusterNodes: Sendable {
    /// The options the nodes were started for.
    public let options: RedisCluster.Options
    /// The nodes' servers, by node number.
    public let servers: [RedisServer]
    /// Each node's cluster bus port, by node number.
    let busPorts: [Int]
    /// Holds each node's `node-N.conf`, included by its redis-server.
    let configDirectory: URL

    init(options: RedisCluster.Options, servers: [RedisServer], busPorts: [Int], configDirectory: URL) {
        self.options = options
        self.servers = servers
        self.busPorts = busPorts
        self.configDirectory = configDirectory
    }

    /// Kills every node and removes their directories (for nodes never handed to `start(nodes:…)`).
    public func cleanUp() {
        servers.forEach { $0.cleanUp() }
        try? FileManager.default.removeItem(at: configDirectory)
    }
}
