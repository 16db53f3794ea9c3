import CacheCore
import Logging
import Metrics
import Synchronization

/// The Redis tier for a URL that does not say whether it names a cluster node (no `?cluster=`): it starts
/// as a one-node ``RedisStore`` and becomes a ``RedisClusterStore`` seeded with the same endpoint as soon
/// as the server shows it is a cluster node, so `REDIS_URL`/`KV_URL` pointing at any node works with no
/// other configuration, and creating it never blocks.
///
/// Two signs switch it, whichever comes first: the answer to `INFO cluster` (sent once at start-up, ahead
/// of any request on the new connection) says `cluster_enabled:1`, or a request is answered with `MOVED`,
/// `ASK`, `CROSSSLOT` or `CLUSTERDOWN` (that request is then retried on the cluster store within its
/// deadline). `SCAN` and `PING` wait for the probe's answer (within their deadline), because on a cluster
/// node they would silently cover that node only.
public final class RedisClusterDetectingStore: KVStore {
    private enum Mode {
        case detecting
        case single
        case cluster(RedisClusterStore)
        case shutDown
    }

    /// The endpoint (seed, when it turns out to be a cluster node).
    public let endpoint: RedisEndpoint
    /// How connections connect, on one node or on every node of the cluster.
    public let configuration: RedisStore.Configuration
    let single: RedisStore
    private let mode = Mutex(Mode.detecting)
    private let decided = AsyncGate()
    private let metricsFactory: any MetricsFactory
    private let logger: Logger
    private let probe: Mutex<Task<Void, Never>?> = Mutex(nil)
    /// How long the one-node store stays up after the switch, for the requests still on it.
    private let switchGrace: Duration = .seconds(5)

    /// Creates the store and probes the server in the background; never blocks, never throws.
    public init(
        endpoint: RedisEndpoint, configuration: RedisStore.Configuration = .init(),
        metricsFactory: any MetricsFactory = MetricsSystem.factory, logger: Logger
    ) {
        self.endpoint = endpoint
        self.configuration = configuration
        self.metricsFactory = metricsFactory
        self.logger = logger
        self.single = RedisStore(endpoint: endpoint, configuration: configuration, logger: logger)
        let task = Task { [weak self] in _ = await self?.probeServer() }
        probe.withLock { $0 = task }
    }

    deinit {
        probe.withLock { $0?.cancel() }
    }

    /// `"redis"`, or `"redis-cluster"` once the server turned out to be a cluster node.
    public var backendName: String { clusterStore?.backendName ?? single.backendName }

    /// The one-node store's I/O thread while there is one node; none for a cluster (many nodes).
    public var preferredTaskExecutor: (any TaskExecutor)? { clusterStore == nil ? single.preferredTaskExecutor : nil }

    /// The cluster store once the server turned out to be a cluster node, else nil.
    public var clusterStore: RedisClusterStore? {
        mode.withLock { if case .cluster(let store) = $0 { return store } else { return nil } }
    }

    /// The cluster store's per-node request counts (``RedisClusterStore/nodeRequestCounts()``); empty while
    /// the server is one node or not known yet.
    public func nodeRequestCounts() -> [String: Int] {
        clusterStore?.nodeRequestCounts() ?? [:]
    }

    /// Whether the server is known to be a cluster node (true), a single server (false), or not yet known (nil).
    public var isCluster: Bool? {
        mode.withLock { mode in
            switch mode {
            case .detecting, .shutDown: nil
            case .single: false
            case .cluster: true
            }
        }
    }

    // MARK: - KVStore

    /// Reads `key` (see ``RedisStore`` and ``RedisClusterStore``).
    public func get(
        _ key: String, maximumBytes: Int, verify: KVReplyCheck?, deadline: ContinuousClock.Instant
    ) async throws(KVError) -> [UInt8]? {
        try await run { (store: any KVStore) throws(KVError) in
            try await store.get(key, maximumBytes: maximumBytes, verify: verify, deadline: deadline)
        }
    }

    /// Writes `key`.
    public func set(_ key: String, value: [UInt8], ttl: Duration?, deadline: ContinuousClock.Instant) async throws(KVError) {
        try await run { (store: any KVStore) throws(KVError) in
            try await store.set(key, value: value, ttl: ttl, deadline: deadline)
        }
    }

    /// Deletes `keys` (one `UNLINK` per slot on a cluster).
    public func delete(_ keys: [[UInt8]], deadline: ContinuousClock.Instant) async throws(KVError) -> Int {
        try await run { (store: any KVStore) throws(KVError) in try await store.delete(keys, deadline: deadline) }
    }

    /// One scan step, over every primary on a cluster; waits for the probe first (within `deadline`).
    public func scan(cursor: UInt64, match pattern: String, count: Int, deadline: ContinuousClock.Instant) async throws(KVError) -> KVScanPage {
        if !decided.isOpen { await decided.wait(until: deadline) }
        return try await run { (store: any KVStore) throws(KVError) in
            try await store.scan(cursor: cursor, match: pattern, count: count, deadline: deadline)
        }
    }

    /// Pings the server (every primary on a cluster); waits for the probe first (within `deadline`).
    public func ping(deadline: ContinuousClock.Instant) async throws(KVError) {
        if !decided.isOpen { await decided.wait(until: deadline) }
        try await run { (store: any KVStore) throws(KVError) in try await store.ping(deadline: deadline) }
    }

    /// Shuts the one-node store and the cluster store (if any) down.
    public func shutdown() async {
        probe.withLock { $0?.cancel() }
        let previous = mode.withLock { mode in
            let previous = mode
            mode = .shutDown
            return previous
        }
        decided.open()
        await single.shutdown()
        if case .cluster(let cluster) = previous { await cluster.shutdown() }
    }

    // MARK: - Switching

    /// Runs `body` on the current store; a reply that only a cluster node gives switches to the cluster
    /// store and runs `body` again there.
    private func run<Value>(_ body: (any KVStore) async throws(KVError) -> Value) async throws(KVError) -> Value {
        if let cluster = clusterStore { return try await body(cluster) }
        do {
            return try await body(single)
        } catch {
            guard Self.showsCluster(error), let cluster = switchToCluster(reason: "a \(error.serverErrorPrefix ?? "") reply") else {
                throw error
            }
            return try await body(cluster)
        }
    }

    /// ``run(_:)`` for ``KVLocking``: both the one-node store and the cluster store hold locks.
    func runLocking<Value>(_ body: (any KVLocking) async throws(KVError) -> Value) async throws(KVError) -> Value {
        try await run { (store: any KVStore) throws(KVError) in
            guard let locking = store as? any KVLocking else { throw KVError(.unavailable, "the KV store cannot hold locks") }
            return try await body(locking)
        }
    }

    private static func showsCluster(_ error: KVError) -> Bool {
        guard error.code == .serverError else { return false }
        switch error.serverErrorPrefix {
        case "MOVED", "ASK", "CROSSSLOT", "CLUSTERDOWN": return true
        default: return false
        }
    }

    /// Becomes a cluster store (once); the one-node store is shut down after a grace period.
    private func switchToCluster(reason: String) -> RedisClusterStore? {
        let (store, switched): (RedisClusterStore?, Bool) = mode.withLock { mode in
            switch mode {
            case .cluster(let store): return (store, false)
            case .shutDown: return (nil, false)
            case .detecting, .single:
                var seed = endpoint
                seed.cluster = true
                let store = RedisClusterStore(seeds: [seed], configuration: configuration, metricsFactory: metricsFactory, logger: logger)
                mode = .cluster(store)
                return (store, true)
            }
        }
        guard switched else { return store }
        logger.info("redis cluster detected; routing by slot from now on", metadata: [
            "endpoint": "\(endpoint.redactedURL)", "reason": "\(reason)",
        ])
        decided.open()
        let single = self.single
        let grace = switchGrace
        Task {
            try? await Task.sleep(for: grace)
            await single.shutdown()
        }
        return store
    }

    private func decideSingle() {
        mode.withLock { mode in
            if case .detecting = mode { mode = .single }
        }
        decided.open()
    }

    /// Asks `INFO cluster` until the server answers (retrying with the reconnect backoff while it is down).
    private func probeServer() async {
        var backoff = configuration.reconnectBackoffInitial
        while !Task.isCancelled, !decided.isOpen {
            let deadline = ContinuousClock.now + configuration.connectTimeout + .seconds(1)
            do {
                let reply = try await single.execute(RedisCommand(["INFO", "cluster"], expecting: .anyReply), deadline: deadline)
                if case .bulkString(let bytes) = reply, String(decoding: bytes, as: UTF8.self).contains("cluster_enabled:1") {
                    _ = switchToCluster(reason: "INFO cluster says cluster_enabled:1")
                } else {
                    decideSingle()
                }
                return
            } catch where error.code == .serverError || error.code == .authentication {
                // INFO refused (renamed or not permitted on hosted services): one node unless a MOVED says otherwise.
                decideSingle()
                return
            } catch {
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, configuration.reconnectBackoffMaximum)
            }
        }
    }
}

extension RedisClusterDetectingStore: KVServerInfo {
    /// `INFO section` of the cluster store once one is in use, else of the one server (the seed).
    public func serverInfo(section: String, deadline: ContinuousClock.Instant) async throws(KVError) -> String {
        if let clusterStore { return try await clusterStore.serverInfo(section: section, deadline: deadline) }
        return try await single.serverInfo(section: section, deadline: deadline)
    }
}
