import Foundation
import Logging

/// A private Redis Cluster for tests and scenarios: `primaries × (1 + replicasPerPrimary)` redis-servers in
/// cluster mode, each a ``RedisServer`` (own temporary directory, free loopback ports, orphans reaped),
/// started side by side and joined directly (slots, config epochs, `CLUSTER MEET`, `CLUSTER REPLICATE`: what
/// `redis-cli --cluster create` does, without its one-second polls), and started only once every node reports
/// `cluster_state:ok` and all agree on the slot map.
///
/// Every node announces `127.0.0.1` and, when asked, a port other than its own: the port of a proxy in
/// front of it, so that `MOVED`/`ASK` redirections and topology replies send clients through the proxies.
/// The cluster bus (node to node, on a port of its own) is never proxied. Harness operations (creation,
/// resharding, checks) talk to the servers' own ports, so a fault injected in a proxy cannot stall them.
///
/// Nodes are numbered; the first `primaries` of them start as primaries (slots split as `redis-cli` splits
/// them), and replica `primaries + k` follows primary `k mod primaries`; ``layout()`` says who serves what at
/// any time (failovers change roles).
public final class RedisCluster: Sendable {
    /// How to build the cluster.
    public struct Options: Sendable {
        /// The number of primaries (Redis Cluster needs at least 3).
        public var primaries: Int
        /// Replicas per primary.
        public var replicasPerPrimary: Int
        /// `cluster-node-timeout`: how long a node may be unreachable before it is failed and replaced.
        /// Small by default, so a failover in a test takes seconds.
        public var nodeTimeout: Duration
        /// Further redis-server arguments for every node.
        public var extraArguments: [String]
        /// Every node TLS only, with the cluster bus and replication over TLS too (`RedisCluster+TLS.swift`).
        public var tls: Bool

        /// Creates options; the defaults are 3 primaries without replicas and a 1 s node timeout.
        public init(
            primaries: Int = 3, replicasPerPrimary: Int = 0, nodeTimeout: Duration = .milliseconds(1000),
            extraArguments: [String] = [], tls: Bool = false
        ) {
            self.primaries = primaries
            self.replicasPerPrimary = replicasPerPrimary
            self.nodeTimeout = nodeTimeout
            self.extraArguments = extraArguments
            self.tls = tls
        }

        /// The number of nodes.
        public var nodeCount: Int { primaries * (1 + replicasPerPrimary) }
    }

    /// Decides the port node `node` (running on `serverPort`) announces, or nil to announce its own; called
    /// once per node after the servers are up and before the cluster is created, which is where a caller
    /// starts a proxy to `serverPort` and returns the proxy's port (it must accept connections from then
    /// on: clients reach the new cluster through the announced addresses).
    public typealias PortAnnouncer = @Sendable (_ node: Int, _ serverPort: Int) async throws -> Int?

    /// Why the cluster could not be built or did not reach the state an operation waits for.
    public struct ClusterError: Error, CustomStringConvertible {
        /// What went wrong.
        public var description: String
    }

    /// The options the cluster was built with.
    public let options: Options
    /// The nodes' servers, by node number.
    public let servers: [RedisServer]
    /// The nodes' cluster ids, by node number (kept across restarts: each node keeps its `nodes.conf`).
    public let nodeIDs: [String]
    /// The port each node announces to clients, by node number (its own port unless told otherwise).
    public let announcedPorts: [Int]
    /// Holds each node's `node-N.conf`, included by its redis-server, so settings made after start (the
    /// announced port) survive a restart of the node.
    let configDirectory: URL
    let logger: Logger

    private init(
        options: Options, servers: [RedisServer], nodeIDs: [String], announcedPorts: [Int], configDirectory: URL,
        logger: Logger
    ) {
        self.options = options
        self.configDirectory = configDirectory
        self.servers = servers
        self.nodeIDs = nodeIDs
        self.announcedPorts = announcedPorts
        self.logger = logger
    }

    /// `127.0.0.1:<announced port>` of every node: seeds for a client (any one node is enough).
    public var seedAddresses: [String] { announcedPorts.map { "127.0.0.1:\($0)" } }

    /// The node number of a node id, if it is one of ours.
    public func nodeNumber(id: String) -> Int? { nodeIDs.firstIndex(of: id) }

    /// Starts the servers, creates the cluster and waits until it is healthy; cleans everything up if any
    /// step fails.
    public static func start(
        options: Options = Options(), logger: Logger = Logger(label: "redis-cluster"),
        announcing announcer: PortAnnouncer? = nil
    ) async throws -> RedisCluster {
        try await start(nodes: try await startNodes(options: options, logger: logger), logger: logger, announcing: announcer)
    }

    /// Creates the cluster from nodes started with ``startNodes(options:logger:)`` (their options) and waits until
    /// it is healthy; stops the nodes if any step fails. The nodes belong to the cluster from then on.
    public static func start(
        nodes: RedisClusterNodes, logger: Logger = Logger(label: "redis-cluster"), announcing announcer: PortAnnouncer? = nil
    ) async throws -> RedisCluster {
        let options = nodes.options
        let configDirectory = nodes.configDirectory
        do {
            var nodeIDs: [String] = []
            var announced: [Int] = []
            for (number, server) in nodes.servers.enumerated() {
                guard let id = RawRedisReply(try await server.command(["CLUSTER", "MYID"]))?.text, !id.isEmpty else {
                    throw ClusterError(description: "node \(number) did not tell its id")
                }
                nodeIDs.append(id)
                let port = try await announcer?(number, server.port) ?? server.port
                announced.append(port)
                if port != server.port {
                    // In the included file for later starts, and set now on the running node.
                    try "\(options.announcedPortSetting) \(port)\n".write(
                        to: configDirectory.appendingPathComponent("node-\(number).conf"), atomically: true, encoding: .utf8)
                    try await server.expectOK(["CONFIG", "SET", options.announcedPortSetting, String(port)])
                }
            }
            let cluster = RedisCluster(
                options: options, servers: nodes.servers, nodeIDs: nodeIDs, announcedPorts: announced,
                configDirectory: configDirectory, logger: logger)
            try await cluster.join(busPorts: nodes.busPorts, timeout: .seconds(30))
            try await cluster.waitUntilHealthy(timeout: .seconds(30))
            return cluster
        } catch {
            nodes.cleanUp()
            throw error
        }
    }

    /// One node: a bus port chosen here (`cluster-port`, not the default port + 10000, which could fall in
    /// the kernel's ephemeral range) and announced as it is.
    static func startNode(
        options: Options, include: URL, tls: TLSTestCertificates?, logger: Logger
    ) async throws -> (server: RedisServer, busPort: Int) {
        var lastError: (any Error)?
        for _ in 0..<3 {
            let busPort = try freeLoopbackPort()
            let arguments = [
                "--cluster-enabled", "yes",
                "--cluster-config-file", "nodes.conf",
                "--cluster-node-timeout", String(options.nodeTimeout.milliseconds),
                "--cluster-port", String(busPort),
                "--cluster-announce-ip", "127.0.0.1",
                "--cluster-announce-bus-port", String(busPort),
                "--include", include.path,
                // A replica's full sync would otherwise wait 5 s for more replicas to share the transfer.
                "--repl-diskless-sync-delay", "0",
            ] + tlsNodeArguments(tls) + options.extraArguments
            do {
                return (try await RedisServer.start(options: RedisServer.Options(extraArguments: arguments, tls: tls), logger: logger), busPort)
            } catch {
                lastError = error
            }
        }
        throw lastError ?? ClusterError(description: "no cluster node started")
    }

    /// Kills every node and removes their directories.
    public func cleanUp() {
        servers.forEach { $0.cleanUp() }
        try? FileManager.default.removeItem(at: configDirectory)
    }
}

extension Duration {
    /// Whole milliseconds, for redis-server settings.
    var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
