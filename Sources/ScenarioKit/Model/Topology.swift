/// The cache instances of a scenario: how many, which backend, how they read.
public struct Topology: Sendable, Hashable {
    /// The KV backend every instance is configured with.
    public enum Backend: String, Sendable, Hashable, CaseIterable {
        /// A redis-server started by the runner, reached through the fault proxy (`REDIS_URL`).
        case redis
        /// The Upstash-compatible REST API (`KV_REST_API_URL`/`KV_REST_API_TOKEN`): a bridge the runner starts
        /// in front of its redis-server, reached through the fault proxy.
        case rest
        /// No KV configuration at all: the instances detect memory-only mode.
        case none
        /// A Redis Cluster the runner starts (``ClusterSpecification``), a fault proxy in front of every node,
        /// the nodes announcing the proxies' ports (`KV_URL=redis://…?cluster=true`).
        case redisCluster = "redis-cluster"
    }

    /// The order in which tiers are read.
    public enum ReadStrategy: String, Sendable, Hashable, CaseIterable {
        /// KV first, then memory (the plan's order).
        case kvFirst = "kv-first"
        /// Memory first, kept coherent by the backplane (`CacheConfiguration.readStrategy = .memoryFirst`).
        case memoryFirst = "memory-first"
    }

    /// How a request picks the instance that serves it.
    public enum Routing: String, Sendable, Hashable, CaseIterable {
        /// A seeded uniform choice among the live instances, as a load balancer spreading traffic.
        case random
        /// Instances in turn.
        case roundRobin = "round-robin"
    }

    /// Where the fault proxies sit.
    public enum ProxyLayout: String, Sendable, Hashable, CaseIterable {
        /// One proxy between every instance and Redis: a fault reaches every instance.
        case shared
        /// One proxy per instance slot (kept across deploys; a cold start adds one), so a fault can reach one
        /// instance, a share of them, or all.
        case perInstance = "per-instance"
    }

    /// The number of instances at start.
    public var instances: Int
    /// The KV backend.
    public var backend: Backend
    /// The read order.
    public var readStrategy: ReadStrategy
    /// Whether redis-server keeps its data on disk (AOF + RDB), so a restart keeps the cache.
    public var persistence: Bool
    /// The Redis connections of each instance.
    public var redisConnections: Int
    /// How requests are spread over instances.
    public var routing: Routing
    /// The memory tier's entry bound per instance.
    public var memoryMaximumEntries: Int
    /// The longest wait between Redis reconnection attempts, in milliseconds (`nil`: the store's default).
    public var reconnectBackoffMaximumMilliseconds: Int?
    /// The cache's fail-safe soft timeout, in milliseconds (`softTimeoutMs`; `nil`: none): how long
    /// `getOrCompute` waits for the origin before answering with a stale entry, when it has one.
    public var softTimeoutMilliseconds: Int?
    /// Whether the instances share one fault proxy or each has its own.
    public var proxies: ProxyLayout
    /// Whether the instances run the KV circuit breaker (`circuitBreaker`, default `true`: the library's
    /// default ``CircuitBreakerPolicy``); `false` measures the same run without it.
    public var circuitBreaker = true
    /// The breaker's cool-down after an authentication failure, in milliseconds (`breakerAuthCoolDownMs`;
    /// `nil`: the library's default, 60 s).
    public var breakerAuthCoolDownMilliseconds: Int?
    /// The cluster's shape with `backend: redis-cluster` (nil otherwise).
    public var cluster: ClusterSpecification?
    /// With `memory-first`: the backplane's staleness bound in milliseconds (`backplaneStalenessMs`, default 1000).
    public var backplaneStalenessMilliseconds = 1000
    /// With `memory-first`: the backplane's heartbeat in milliseconds (`backplaneHeartbeatMs`, default 100).
    public var backplaneHeartbeatMilliseconds = 100

    /// Creates a topology.
    public init(
        instances: Int = 1,
        backend: Backend = .redis,
        readStrategy: ReadStrategy = .kvFirst,
        persistence: Bool = false,
        redisConnections: Int = 1,
        routing: Routing = .random,
        memoryMaximumEntries: Int = 10_000,
        reconnectBackoffMaximumMilliseconds: Int? = nil,
        softTimeoutMilliseconds: Int? = nil,
        proxies: ProxyLayout = .shared,
        cluster: ClusterSpecification? = nil
    ) {
        self.cluster = cluster
        self.proxies = proxies
        self.instances = instances
        self.backend = backend
        self.readStrategy = readStrategy
        self.persistence = persistence
        self.redisConnections = redisConnections
        self.routing = routing
        self.memoryMaximumEntries = memoryMaximumEntries
        self.reconnectBackoffMaximumMilliseconds = reconnectBackoffMaximumMilliseconds
        self.softTimeoutMilliseconds = softTimeoutMilliseconds
    }
}
