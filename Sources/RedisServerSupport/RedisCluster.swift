import Foundation
import Logging

/// A private Redis Cluster for tests and scenarios: `primaries × (1 + replicasPerPrimary)` redis-servers in
/// cluster mode, each a ``RedisServer`` (own temporary directory, free loopback ports, orphans reaped),
/// joined with `redis-cli --cluster create … --cluster-replicas N --cluster-yes`, and started only once every
/// node reports `cluster_state:ok` and all agree on the slot map.
///
/// Every node announces `127.0.0.1` and, when asked, a port other than its own: the port of a proxy in
/// front of it, so that `MOVED`/`ASK` redirections and topology replies send clients through the proxies.
/// The cluster bus (node to node, on a port of its own) is never proxied. Harness operations (creation,
/// resharding, checks) talk to the servers' own ports, so a fault injected in a proxy cannot stall them.
///
/// Nodes are numbered in start order; `redis-cli` makes the first `primaries` of them primaries, and
/// ``layout()`` says who serves what at any time (failovers change roles).
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
    /// on: `redis-cli` checks the new cluster through the announced addresses).
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
        guard options.primaries >= 3, options.replicasPerPrimary >= 0 else {
            throw ClusterError(description: "a Redis Cluster needs at least 3 primaries (got \(options.primaries))")
        }
        guard let cli = RedisServer.findExecutable("redis-cli") else {
            throw ClusterError(description: "redis-cli not found on PATH; install it with `apt-get install -y redis-tools`")
        }
        RedisServer.reapOrphans(logger: logger)
        let configDirectory = FileManager.default.temporaryDirectory
            .appendingPathComponent(RedisServer.directoryPrefix + "cluster-" + UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(at: configDirectory, withIntermediateDirectories: true)
        try RedisServer.recordOwner(in: configDirectory)
        var servers: [RedisServer] = []
        do {
            let certificates = try await makeCertificates(options, in: configDirectory)
            for number in 0..<options.nodeCount {
                let include = configDirectory.appendingPathComponent("node-\(number).conf")
                try Data().write(to: include)
                servers.append(try await startNode(options: options, include: include, tls: certificates, logger: logger))
            }
            var nodeIDs: [String] = []
            var announced: [Int] = []
            for (number, server) in servers.enumerated() {
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
                options: options, servers: servers, nodeIDs: nodeIDs, announcedPorts: announced,
                configDirectory: configDirectory, logger: logger)
            try await cluster.create(cli: cli)
            try await cluster.waitUntilHealthy(timeout: .seconds(30))
            return cluster
        } catch {
            servers.forEach { $0.cleanUp() }
            try? FileManager.default.removeItem(at: configDirectory)
            throw error
        }
    }

    /// One node: a bus port chosen here (`cluster-port`, not the default port + 10000, which could fall in
    /// the kernel's ephemeral range) and announced as it is.
    private static func startNode(
        options: Options, include: URL, tls: TLSTestCertificates?, logger: Logger
    ) async throws -> RedisServer {
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
                return try await RedisServer.start(options: RedisServer.Options(extraArguments: arguments, tls: tls), logger: logger)
            } catch {
                lastError = error
            }
        }
        throw lastError ?? ClusterError(description: "no cluster node started")
    }

    private func create(cli: String) async throws {
        let addresses = servers.map { "127.0.0.1:\($0.port)" }
        let arguments = redisCLITLSArguments + ["--cluster", "create"] + addresses + [
            "--cluster-replicas", String(options.replicasPerPrimary), "--cluster-yes",
        ]
        try await RedisCLI.run(executable: cli, arguments: arguments, directory: servers[0].directory, timeout: .seconds(60))
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
