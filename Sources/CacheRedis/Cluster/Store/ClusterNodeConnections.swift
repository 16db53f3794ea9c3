import CacheCore
import Logging
import Metrics
import Synchronization

/// The pipelined connections a ``RedisClusterStore`` keeps to one node: `connectionCount` of them, on the
/// store's shared I/O thread (or each on its own, see ``RedisStore/Configuration/clusterSharedIOThread``),
/// picked round robin as ``RedisStore`` picks among its own. Created the first time
/// the node is routed to (or asked for the topology), shut down when a refresh no longer names the node.
final class ClusterNodeConnections: Sendable {
    /// The node, as the cluster names it in redirections and topology replies.
    let address: ClusterNodeAddress
    private let connections: [RedisConnection]
    /// By connection: whether `READONLY` was answered on it (see ``sendReplicaRead(_:deadline:)``).
    private let readOnlyModes: [ReadOnlyMode]
    private let nextConnection = Atomic<Int>(0)
    /// Requests sent to this node (topology asks excluded): the per-node traffic a report shows.
    private let requestCount = Atomic<Int>(0)
    private let requestCounter: Counter

    /// Connections to `address` with the seed's credentials and TLS settings (SNI is then the node's own
    /// host, since each connection's endpoint names it). Not started: see ``start()``.
    init(
        address: ClusterNodeAddress, template: RedisEndpoint, configuration: RedisStore.Configuration,
        resolver: any RedisHostResolver, metrics: ClusterMetrics, logger: Logger, sharedLoop: RedisSharedConnectionLoop?
    ) {
        self.address = address
        // Cluster nodes only have database 0 (`SELECT` is refused in cluster mode).
        let endpoint = RedisEndpoint(
            address: .tcp(host: address.host, port: address.port), username: template.username, password: template.password,
            database: 0, tls: template.tls, cluster: true)
        var nodeLogger = logger
        nodeLogger[metadataKey: "redis.cluster.node"] = "\(address)"
        connections = (0..<configuration.connectionCount).map { index in
            RedisConnection(
                index: index, endpoint: endpoint, configuration: configuration, resolver: resolver, logger: nodeLogger,
                sharedLoop: sharedLoop)
        }
        readOnlyModes = connections.map { _ in ReadOnlyMode() }
        requestCounter = metrics.nodeRequests(address)
    }

    /// Starts the connections' I/O threads; commands sent before the first connect completes wait for it.
    func start() {
        for connection in connections { connection.start() }
    }

    /// Sends one command (`counted`: as a request of the node's traffic).
    func send(_ command: RedisCommand, deadline: ContinuousClock.Instant, counted: Bool = true) async -> Result<RedisReply, KVError> {
        if counted { count() }
        return await pick().send(command, deadline: deadline)
    }

    /// Sends commands back to back on one connection (`ASKING` + the command) and returns the last reply.
    func send(_ commands: [RedisCommand], deadline: ContinuousClock.Instant) async -> Result<RedisReply, KVError> {
        count()
        return await pick().send(commands, deadline: deadline)
    }

    /// Sends a read to this node as a replica of the key's shard. A replica answers reads only on a
    /// connection that said `READONLY` (else it redirects them to its primary with `MOVED`), so the first
    /// read on each connection goes as `READONLY` + the read, back to back; later ones go alone. A
    /// reconnection forgets `READONLY`: the replica then answers `MOVED`, handled as any, and the store
    /// calls ``readOnlyModeLost()`` so the next read says it again.
    func sendReplicaRead(_ command: RedisCommand, deadline: ContinuousClock.Instant) async -> Result<RedisReply, KVError> {
        count()
        let index = pickIndex()
        let connection = connections[index]
        let mode = readOnlyModes[index]
        if mode.isOn.load(ordering: .relaxed) { return await connection.send(command, deadline: deadline) }
        let result = await connection.send([Self.readOnly, command], deadline: deadline)
        // The batch's reply is the read's, or the first failure: READONLY's refusal fails the read.
        if case .success = result { mode.isOn.store(true, ordering: .relaxed) }
        return result
    }

    /// A replica redirected a read (`MOVED`): its connections may have reconnected since they said
    /// `READONLY`, so every one says it again with its next read.
    func readOnlyModeLost() {
        for mode in readOnlyModes { mode.isOn.store(false, ordering: .relaxed) }
    }

    private static let readOnly = RedisCommand(["READONLY"], expecting: .ok)

    /// Requests sent to the node so far.
    var requests: Int { requestCount.load(ordering: .relaxed) }

    /// The I/O threads the connections run on (`pthread_self()` values; 0 before a thread took one), for tests.
    var ioThreadIdentifiers: [UInt] { connections.map { $0.ioThreadIdentifier.load(ordering: .acquiring) } }

    /// Whether some connection takes commands (a timed-out connection closes itself and stops taking them).
    var isAccepting: Bool { connections.contains { $0.isAccepting } }

    /// Stops the I/O threads and waits for them; in-flight commands fail with ``KVError/Code/shutDown``.
    func shutdown() async {
        for connection in connections { connection.requestShutdown() }
        for connection in connections { await connection.waitForExit() }
    }

    /// Stops the I/O threads without waiting (from `deinit`).
    func requestShutdown() {
        for connection in connections { connection.requestShutdown() }
    }

    private func count() {
        requestCount.wrappingAdd(1, ordering: .relaxed)
        requestCounter.increment()
    }

    private func pick() -> RedisConnection {
        connections[pickIndex()]
    }

    /// Round robin, skipping connections that are down when another is up.
    private func pickIndex() -> Int {
        if connections.count == 1 { return 0 }
        let start = Int(bitPattern: UInt(bitPattern: nextConnection.wrappingAdd(1, ordering: .relaxed).oldValue) % UInt(connections.count))
        for offset in 0..<connections.count {
            let candidate = (start + offset) % connections.count
            if connections[candidate].isAccepting { return candidate }
        }
        return start
    }

    /// Whether one connection has said `READONLY` (reads on it need not say it again).
    private final class ReadOnlyMode: Sendable {
        let isOn = Atomic<Bool>(false)
    }
}
