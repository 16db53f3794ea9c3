import CacheCore
import Logging
import Metrics
import Synchronization

/// A ``KVStore`` over a Redis Cluster (or Valkey's): keys are routed to the primary serving their slot
/// (CRC16 with hash tags), over one set of pipelined connections per primary.
///
/// The cluster logic is ``ClusterStateMachine`` (no I/O); this type runs its decisions:
/// - `MOVED`: the map is updated and the request retried on the new node within the same deadline;
///   `ASK`: `ASKING` and the command go back to back on one connection to the named node;
///   `TRYAGAIN`/`CLUSTERDOWN`: a few short retries that never end past the deadline.
/// - The topology comes from `CLUSTER SHARDS` (or `CLUSTER SLOTS`) of several nodes, elected; a refresh
///   runs on redirections, on unreachable nodes and every 30 s, never more than one at a time.
/// - Failures keep their class (``KVError/Code``) as on one node, so ``TieredCache`` falls back to memory and
///   its breaker counts them the same way; cluster-level give-ups are `server_error` with prefix `CLUSTER`.
/// - Reads go to primaries unless ``readFromReplicas`` is on (`?read_from_replicas=true`, or
///   ``RedisStore/Configuration/readFromReplicas``): then reads of entries go to the replicas of the key's
///   shard in turn (stale by up to the replication lag), and to the primary when no replica is up.
///
/// Creating it never blocks: the first discovery runs in the background, and requests made before it ends
/// wait for it within their deadlines.
public final class RedisClusterStore: KVStore {
    /// The seeds' common settings: credentials and TLS, used for every node.
    public let seeds: [RedisEndpoint]
    /// How each node's connections connect.
    public let configuration: RedisStore.Configuration
    /// `"redis-cluster"`.
    public var backendName: String { "redis-cluster" }
    /// Whether reads of entries go to replicas: the configuration's ``RedisStore/Configuration/readFromReplicas``
    /// or the first seed's `?read_from_replicas=true`.
    public let readFromReplicas: Bool

    struct State {
        var machine: ClusterStateMachine
        var nodes: [ClusterNodeAddress: ClusterNodeConnections] = [:]
        /// Requests counted by connection sets already retired, so the per-node totals never go backwards.
        var retiredRequests: [ClusterNodeAddress: Int] = [:]
        var isShutDown = false
        /// Scan snapshots (the primaries when a scan started), by the id encoded in the scan cursor.
        var scanSnapshots: [UInt8: [ClusterNodeAddress]] = [:]
        var nextScanSnapshot: UInt8 = 0
        /// Why the last discovery found no map, when it was a setting's fault (`RedisClusterStore+DiscoveryRefusal.swift`).
        var discoveryRefusal: KVError?
    }

    let state: Mutex<State>
    let template: RedisEndpoint
    let resolver: any RedisHostResolver
    let metrics: ClusterMetrics
    let logger: Logger
    /// Opens when the first discovery has ended (found a map or not).
    let firstDiscovery = AsyncGate()
    /// How long one topology ask may take.
    let refreshAskTimeout: Duration
    /// How long a retired node's connections stay open for the requests still on them.
    let retireGrace: Duration = .seconds(5)
    /// Set once a node answered `UNLINK` with "unknown command" (Redis < 4): `DEL` from then on.
    let unlinkUnsupported = Atomic<Bool>(false)
    /// The one I/O thread every node's connections run on (nil with
    /// ``RedisStore/Configuration/clusterSharedIOThread`` off: a thread per connection).
    let sharedLoop: RedisSharedConnectionLoop?
    private let timer: Mutex<Task<Void, Never>?> = Mutex(nil)

    /// Creates the store and starts discovering the cluster from `seeds` (any one node is enough; TCP ones
    /// only) in the background; never blocks, never throws. The first seed's credentials and TLS settings
    /// (`rediss://`, with SNI set to each node's host) apply to every node.
    public convenience init(
        seeds: [RedisEndpoint], configuration: RedisStore.Configuration = .init(),
        metricsFactory: any MetricsFactory = MetricsSystem.factory, logger: Logger
    ) {
        self.init(
            seeds: seeds, configuration: configuration, clusterConfiguration: .init(), resolver: SystemHostResolver(),
            metricsFactory: metricsFactory, logger: logger)
    }

    init(
        seeds: [RedisEndpoint], configuration: RedisStore.Configuration, clusterConfiguration: ClusterStateMachine.Configuration,
        resolver: any RedisHostResolver, metricsFactory: any MetricsFactory, logger: Logger
    ) {
        self.seeds = seeds
        self.configuration = configuration
        self.resolver = resolver
        self.metrics = ClusterMetrics(factory: metricsFactory)
        self.logger = logger
        self.refreshAskTimeout = max(configuration.connectTimeout, .seconds(1))
        self.sharedLoop = configuration.clusterSharedIOThread ? RedisSharedConnectionLoop(name: "redis-cluster-io", logger: logger) : nil
        let tcpSeeds = seeds.compactMap { seed -> ClusterNodeAddress? in
            guard case .tcp(let host, let port) = seed.address else { return nil }
            return ClusterNodeAddress(host: host, port: port)
        }
        self.template = seeds.first ?? RedisEndpoint(address: .tcp(host: "127.0.0.1", port: 6379))
        self.readFromReplicas = configuration.readFromReplicas || template.readFromReplicas
        let now = ContinuousClock.now
        self.state = Mutex(State(machine: ClusterStateMachine(seeds: tcpSeeds, configuration: clusterConfiguration, now: now)))
        if tcpSeeds.isEmpty {
            logger.error("redis cluster store without a TCP seed: every request falls back", metadata: ["seeds": "\(seeds)"])
            firstDiscovery.open()
        }
        if let order = state.withLock({ $0.machine.tick(now: now) }) { startRefresh(order) }
        startTimer()
    }

    deinit {
        timer.withLock { $0?.cancel() }
        let nodes = state.withLock { Array($0.nodes.values) }
        for node in nodes { node.requestShutdown() }
        sharedLoop?.requestShutdown()
    }

    // MARK: - KVStore

    /// Reads `key` from the primary of its slot, or from one of its replicas with ``readFromReplicas``
    /// (`GET`, or `GETRANGE` under a size limit, as ``RedisStore``).
    public func get(
        _ key: String, maximumBytes: Int, verify: KVReplyCheck?, deadline: ContinuousClock.Instant
    ) async throws(KVError) -> [UInt8]? {
        let (command, limited) = RedisKVCommands.get(key, maximumBytes: maximumBytes, verify: verify)
        let reply = try await execute(command, slot: ClusterSlot(key: key), deadline: deadline, isRead: true)
        return try RedisKVCommands.value(from: reply, limited: limited, maximumBytes: maximumBytes)
    }

    /// Writes `key` on the primary of its slot (`SET key value [PX ms]`).
    public func set(_ key: String, value: [UInt8], ttl: Duration?, deadline: ContinuousClock.Instant) async throws(KVError) {
        _ = try await execute(RedisKVCommands.set(key, value: value, ttl: ttl), slot: ClusterSlot(key: key), deadline: deadline)
    }

    /// Checks that every primary answers `PING`.
    public func ping(deadline: ContinuousClock.Instant) async throws(KVError) {
        let primaries = try await currentPrimaries(deadline: deadline)
        _ = try await forEachConcurrently(primaries) { (node: ClusterNodeAddress) throws(KVError) -> Int in
            _ = try await self.send(RedisCommand(["PING"], expecting: .pong), to: node, deadline: deadline)
            return 0
        }
    }

    /// Stops the refresh timer and every node's I/O threads; calls made afterwards fail with
    /// ``KVError/Code/shutDown``.
    public func shutdown() async {
        timer.withLock { $0?.cancel() }
        let nodes = state.withLock { state in
            state.isShutDown = true
            let nodes = Array(state.nodes.values)
            state.nodes = [:]
            return nodes
        }
        firstDiscovery.open()
        for node in nodes { await node.shutdown() }
        await sharedLoop?.shutdown()
    }

    // MARK: - Introspection

    /// How many requests (keyed commands, scans and pings; not topology refreshes) each node was sent
    /// since the store started, by `host:port` as the cluster announces it: the per-node traffic.
    public func nodeRequestCounts() -> [String: Int] {
        state.withLock { state in
            var counts: [String: Int] = [:]
            for (node, count) in state.retiredRequests { counts[node.description, default: 0] += count }
            for (node, connections) in state.nodes { counts[node.description, default: 0] += connections.requests }
            return counts.filter { $0.value > 0 }
        }
    }

    /// The primaries of the current map, `host:port`, sorted (empty before the first discovery).
    public func primaryAddresses() -> [String] {
        state.withLock { ($0.machine.topology?.primaries ?? []).map(\.description).sorted() }
    }

    // MARK: - Timer

    private func startTimer() {
        let task = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                guard let self else { return }
                if let order = self.state.withLock({ $0.isShutDown ? nil : $0.machine.tick(now: .now) }) {
                    self.startRefresh(order)
                }
            }
        }
        timer.withLock { $0 = task }
    }
}
