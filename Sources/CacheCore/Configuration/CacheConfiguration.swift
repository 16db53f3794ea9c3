/// How a ``TieredCache`` behaves: namespace, deadline, TTL, memory bounds, circuit breaker and fail-safe.
public struct CacheConfiguration: Sendable {
    /// The prefix of every KV key (`<namespace>:<key>`); ``TieredCache/invalidate(_:)`` never reaches
    /// outside it, so several applications can share one Redis database.
    ///
    /// A namespace is 1 to ``maximumNamespaceBytes`` ASCII letters, digits, `_`, `-` and `.`: no `:` (the
    /// separator) and no glob character (`*`, `?`, `[`, `]`, `\`), so no namespace is a prefix of another's
    /// keys and `invalidate("*")` in `pcache` can never match a key of `pcache-v2` or of `pcache:v2`.
    /// Check one with ``namespaceProblem(_:)``. A ``TieredCache`` given any other namespace does not throw:
    /// it logs `cache_namespace_invalid` (error level) and runs memory-only, touching no KV key.
    public var namespace: String
    /// The hard deadline of every KV operation (the plan's 2 s). The caller never waits longer than this,
    /// plus a few milliseconds, for the KV tier.
    public var kvDeadline: Duration
    /// The TTL used when ``TieredCache/set(_:_:ttl:)`` is given none; `nil` means entries do not expire.
    public var defaultTTL: Duration?
    /// The bounds of the memory tier.
    public var memory: MemoryTier.Limits
    /// The longest key accepted, in UTF-8 bytes after normalisation; longer keys are a logged miss and
    /// are never stored.
    public var maximumKeyBytes: Int
    /// The most KV writes allowed to run in the background at once; further writes are dropped (and
    /// counted) rather than queued without bound while the KV tier is slow.
    public var maximumBackgroundWrites: Int
    /// How many keys one `SCAN` step asks for, and one delete removes, during invalidation.
    public var invalidationBatchSize: Int
    /// The largest stored entry (its encoded envelope, in bytes) the cache reads or writes; 1 MiB by
    /// default, as .NET's HybridCache. A stored value over it is a logged miss (`cache_entry_too_large`)
    /// that is never transferred whole (the store reads at most this many bytes plus one); a `set` whose
    /// envelope is over it is refused and stored in neither tier. Both are counted in
    /// ``CacheStatistics/entriesTooLarge``, never as KV errors.
    public var maximumEntryBytes: Int
    /// When the KV tier is declared down and how it is probed (issue 11); on by default. While open, KV
    /// calls fail at once with `circuit_open` (a fallback) instead of each waiting for ``kvDeadline``.
    public var circuitBreaker: CircuitBreakerPolicy
    /// The bounds of the queue of failed background writes replayed once the KV tier is back.
    public var pendingWrites: PendingWriteLimits
    /// Fail-safe: how long past its fresh lifetime (its TTL) an entry is kept as a stale fallback, served
    /// (marked stale) only by ``TieredCache/getOrCompute(_:ttl:staleWindow:softTimeout:compute:)`` when
    /// `compute` throws or is slower than the soft timeout. `nil` or zero turns fail-safe off.
    ///
    /// The KV TTL becomes TTL + stale window, so Redis holds each key that long: with the defaults (1 h
    /// TTL, 1 h window) a key that is not asked again stays twice as long, so the KV tier's memory for a
    /// steady flow of distinct questions is up to twice what it was (the memory tier's bounds do not
    /// change; stale entries there are evicted like any other).
    public var staleWindow: Duration?
    /// Fail-safe: how long ``TieredCache/getOrCompute(_:ttl:staleWindow:softTimeout:compute:)`` waits for
    /// `compute` before answering with a stale entry, when it has one; the computation goes on in the
    /// background and refreshes both tiers. `nil` (the default) waits as long as `compute` takes.
    public var softTimeout: Duration?
    /// The order in which tiers are read: ``ReadStrategy/kvFirst`` (the plan's, the default) or
    /// ``ReadStrategy/memoryFirst`` (memory speed, kept coherent by the backplane; issue 12).
    public var readStrategy: ReadStrategy = .kvFirst
    /// How the backplane keeps memory-first reads coherent (used only with ``ReadStrategy/memoryFirst``).
    public var backplane = BackplanePolicy()
    /// Cross-instance single-flight (issue 12): a miss takes a short lock in the KV tier before computing,
    /// and other instances wait for its answer; on by default (see ``DistributedLockPolicy`` for why).
    public var distributedLock: DistributedLockPolicy

    /// Creates a configuration; every value has the default the plan calls for.
    public init(
        namespace: String = "pcache",
        kvDeadline: Duration = .seconds(2),
        defaultTTL: Duration? = .seconds(3600),
        memory: MemoryTier.Limits = MemoryTier.Limits(),
        maximumKeyBytes: Int = 1 << 20,
        maximumBackgroundWrites: Int = 8192,
        invalidationBatchSize: Int = 500,
        maximumEntryBytes: Int = 1 << 20,
        circuitBreaker: CircuitBreakerPolicy = CircuitBreakerPolicy(),
        pendingWrites: PendingWriteLimits = PendingWriteLimits(),
        staleWindow: Duration? = .seconds(3600),
        softTimeout: Duration? = nil,
        distributedLock: DistributedLockPolicy = DistributedLockPolicy()
    ) {
        self.namespace = namespace
        self.kvDeadline = kvDeadline
        self.defaultTTL = defaultTTL
        self.memory = memory
        self.maximumKeyBytes = maximumKeyBytes
        self.maximumBackgroundWrites = max(1, maximumBackgroundWrites)
        self.invalidationBatchSize = max(1, invalidationBatchSize)
        self.maximumEntryBytes = max(1, maximumEntryBytes)
        self.circuitBreaker = circuitBreaker
        self.pendingWrites = pendingWrites
        self.staleWindow = staleWindow.flatMap { $0 > .zero ? $0 : nil }
        self.softTimeout = softTimeout.flatMap { $0 > .zero ? $0 : nil }
        self.distributedLock = distributedLock
    }

    /// The longest namespace accepted, in bytes.
    public static let maximumNamespaceBytes = 128

    /// Why `namespace` cannot be used (see ``namespace``), or `nil` when it can.
    public static func namespaceProblem(_ namespace: String) -> String? {
        let bytes = namespace.utf8
        if bytes.isEmpty { return "the namespace is empty" }
        if bytes.count > maximumNamespaceBytes {
            return "the namespace is longer than \(maximumNamespaceBytes) bytes"
        }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."):
                continue
            default:
                return "the namespace may hold only ASCII letters, digits, '_', '-' and '.' (no ':' and no glob characters)"
            }
        }
        return nil
    }
}
