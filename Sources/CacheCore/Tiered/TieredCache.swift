import Foundation
import Logging
import Metrics
import Synchronization

/// The two-tier cache of the plan: a persistent, shared KV tier in front of an in-process memory tier,
/// with a fallback that never breaks the request.
///
/// - ``get(_:)`` / ``lookup(_:)``: KV first; on a KV hit the entry is also kept in memory. On a KV miss or
///   failure, memory; a memory hit after a KV *miss* is written back to KV in the background. Never throws.
/// - ``set(_:_:ttl:)``: memory at once; KV in the background, bounded by the KV deadline. The caller does
///   not wait for the KV write.
/// - ``invalidate(_:)``: a glob over both tiers; on the KV side by `SCAN MATCH` in batches, never `KEYS`,
///   and only inside ``CacheConfiguration/namespace``.
/// - ``getOrCompute(_:ttl:compute:)``: the whole request flow: lookup, compute on a miss, store, answer.
///
/// Every KV operation has a hard deadline (``CacheConfiguration/kvDeadline``); failures are classified,
/// logged (`cache_kv_error`), counted, and never reach the caller. Without a KV store the cache is
/// memory-only.
///
/// What it guarantees against what is stored in Redis (issue 7):
/// - an entry is served only for the key it names: the KV read gives the store a check
///   (``EnvelopeKeyProbe``) that refuses, on the I/O thread, a reply naming another key — a reply paired
///   with the wrong command — as a protocol error that closes the connection; an entry naming no key is a
///   logged miss, never served and never written back;
/// - an entry of a newer envelope version is a miss that this instance never overwrites
///   (see ``NewerEntryKeys`` for what that cannot cover);
/// - after ``invalidate(_:)`` returns, nothing it removed comes back from a read or a write that was in
///   flight when it ran;
/// - the namespace is validated (``CacheConfiguration/namespace``): an ambiguous one makes the cache
///   memory-only.
///
/// Logs: `cache_kv_hit`, `cache_kv_miss`, `cache_memory_hit`, `cache_memory_miss`, `cache_kv_error`,
/// `cache_key_rejected`, `cache_entry_malformed`, `cache_mode`, `cache_invalidated`,
/// `cache_invalidate_incomplete`, and:
/// - `cache_entry_too_large` (warning): a stored entry over ``CacheConfiguration/maximumEntryBytes`` (a
///   miss, never loaded whole) or a `set` over it (refused, stored in neither tier);
/// - `cache_namespace_invalid` (error): the namespace was refused; the cache runs memory-only;
/// - `cache_entry_keyless` (warning): a stored entry names no key; a miss;
/// - `cache_reply_mispaired` (error): a KV reply named another key than the one asked for; the store
///   closed the connection (a `protocol` KV error);
/// - `cache_entry_newer_version` (notice): a stored entry has a newer envelope version; a miss, and the key
///   is not overwritten;
/// - `cache_kv_write_skipped` (debug): a write not sent, with `reason` = `newer_entry` or `invalidated`;
/// - `cache_kv_write_reverted` (notice): a write that was in flight while an invalidation of its key ran
///   was deleted again once it landed, in case it landed after the invalidation's `SCAN`;
/// - `cache_kv_read_superseded` (debug): a KV read discarded because an invalidation of its key ran
///   meanwhile;
/// - `cache_kv_write_dropped` (debug): too many background writes running;
/// - `cache_background_writes_pending` (warning): a wait for background writes (shutdown, store swap,
///   invalidation) reached its deadline with writes still running.
public final class TieredCache: Sendable {
    /// The configuration the cache was created with.
    public let configuration: CacheConfiguration
    /// The memory tier (exposed for statistics and tests).
    public let memory: MemoryTier

    let logger: Logger
    let store: Mutex<(any KVStore)?>
    let statisticsRecorder = StatisticsRecorder()
    let metrics: CacheMetrics
    let backgroundWrites: BackgroundWrites
    let errorLogThrottle = ErrorLogThrottle()
    let invalidations = InvalidationFence()
    let newerEntries: NewerEntryKeys
    /// Failed background writes kept for replay once the KV tier is back (see ``TieredCache+Resilience``).
    let pendingWrites: Mutex<PendingWriteQueue>
    /// Concurrent `getOrCompute` calls for one key share one computation.
    let computations = SingleFlight<FlightAnswer>()
    let heldLocks = HeldLocks()
    let metricsFactory: any MetricsFactory
    /// Whether ``CacheConfiguration/namespace`` passed validation; if not, no KV store is ever used.
    let namespaceIsValid: Bool
    /// The backplane of memory-first reads (see ``TieredCache+Backplane``).
    let backplaneLink: BackplaneLink

    /// Creates a cache over `kvStore` (or memory-only when it is `nil`) and logs the mode once.
    ///
    /// `metricsFactory` receives the cache's metrics (the process-wide `MetricsSystem` by default).
    public init(
        configuration: CacheConfiguration = CacheConfiguration(),
        kvStore: (any KVStore)?,
        logger: Logger,
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) {
        self.configuration = configuration
        self.memory = MemoryTier(limits: configuration.memory)
        self.logger = logger
        self.metrics = CacheMetrics(namespace: configuration.namespace, factory: metricsFactory)
        self.backgroundWrites = BackgroundWrites(limit: configuration.maximumBackgroundWrites)
        self.newerEntries = NewerEntryKeys(retention: configuration.defaultTTL ?? .seconds(3600))
        self.pendingWrites = Mutex(PendingWriteQueue(
            maximumEntries: configuration.pendingWrites.maximumEntries, maximumBytes: configuration.pendingWrites.maximumBytes))
        self.metricsFactory = metricsFactory
        self.backplaneLink = BackplaneLink(namespace: configuration.namespace, policy: configuration.backplane)
        let problem = CacheConfiguration.namespaceProblem(configuration.namespace)
        self.namespaceIsValid = problem == nil
        if let problem {
            logger.error("cache_namespace_invalid", metadata: [
                "namespace": "\(Self.loggable(configuration.namespace))",
                "reason": "\(problem)",
                "fallback": "memory-only",
            ])
            // Refused: the store is never used, so release its connections.
            if let kvStore { Task { await kvStore.shutdown() } }
        }
        self.store = Mutex(nil)
        // Wrapped once `self` is whole: the breaker calls back into the cache when it closes.
        if problem == nil, let kvStore { store.withLock { $0 = wrapInBreaker(kvStore) } }
        if problem == nil { startBackplane(rawStore: kvStore, wrapped: currentStore) }
        logger.info("cache_mode", metadata: [
            "mode": "\(problem == nil ? kvStore?.backendName ?? "memory-only" : "memory-only")",
            "namespace": "\(configuration.namespace)",
            "kv_deadline_ms": "\(configuration.kvDeadline / .milliseconds(1))",
            "memory_max_entries": "\(configuration.memory.maximumEntries)",
            "memory_max_bytes": "\(configuration.memory.maximumBytes)",
        ])
    }

    /// The backend in use: its ``KVStore/backendName``, or `"memory-only"`.
    public var mode: String { store.withLock { $0?.backendName } ?? "memory-only" }

    /// The fresh entry at `key` from the first tier that has it, or `nil`. Never throws; never returns a
    /// stale copy kept for fail-safe.
    public func get(_ key: String) async -> CacheEntry? {
        await lookup(key).entry
    }

    /// Looks `key` up in both tiers, reporting which tier answered and whether the KV tier failed.
    public func lookup(_ key: String) async -> CacheLookup {
        // Kept to the awaits alone: what comes before and after runs in synchronous functions, whose
        // temporaries live on the thread's stack (in an async function each one is a task allocation,
        // about twenty per lookup before; see docs/architecture.md, "Where the time goes").
        if let hit = memoryFirstHit(key) { return hit }
        guard let cacheKey = makeKey(key) else { return rejectedKeyLookup() }
        // Taken before anything is read, so an invalidation that starts later can tell this lookup's
        // reads (and the write-back they lead to) from newer ones.
        let epoch = invalidations.epoch
        guard let store = currentStore else { return finishLookup(cacheKey, after: nil, epoch: epoch) }
        return finishLookup(cacheKey, after: await readFromKV(cacheKey, store: store, epoch: epoch), epoch: epoch)
    }

    /// Stores `entry` at `key`: in memory at once, and in the KV tier in the background.
    ///
    /// `ttl` (the fresh lifetime) defaults to ``CacheConfiguration/defaultTTL``; `staleWindow` (how long
    /// past it the entry is kept as a fail-safe fallback) to ``CacheConfiguration/staleWindow``. The KV TTL
    /// is their sum. A KV failure leaves the entry in memory, is logged as `cache_kv_error` and the write is
    /// kept for replay; the caller never waits for, nor hears about, the KV write. An entry whose envelope
    /// is over ``CacheConfiguration/maximumEntryBytes`` is refused (`cache_entry_too_large`) and stored in
    /// neither tier.
    public func set(_ key: String, _ entry: CacheEntry, ttl: Duration? = nil, staleWindow: Duration? = nil) async {
        guard let cacheKey = makeKey(key) else { return }
        let ttl = ttl ?? configuration.defaultTTL
        if let ttl, ttl <= .zero { return }
        // Without a fresh lifetime there is nothing to be stale after.
        let staleWindow = ttl == nil ? nil : (staleWindow ?? configuration.staleWindow).flatMap { $0 > .zero ? $0 : nil }
        guard let encoded = encodeWithinLimit(cacheKey, entry, ttl: ttl, staleWindow: staleWindow) else { return }
        let epoch = invalidations.epoch
        let now = ContinuousClock.now
        let freshUntil = ttl.map { now + $0 }
        memory.set(
            cacheKey.normalized, entry, expiresAt: freshUntil.map { $0 + (staleWindow ?? .zero) }, freshUntil: freshUntil)
        if let store = currentStore {
            writeInBackground(cacheKey, entry, ttl: ttl, staleWindow: staleWindow, store: store, epoch: epoch, encoded: encoded)
        }
    }

    /// Swaps the KV backend at runtime; `nil` makes the cache memory-only from now on (the plan's
    /// rollback: remove the KV configuration, zero downtime). The previous store finishes the writes
    /// already sent to it (waiting at most ``CacheConfiguration/kvDeadline``), then is shut down.
    /// A cache whose namespace was refused stays memory-only and shuts `newStore` down.
    public func replaceKVStore(_ newStore: (any KVStore)?) async {
        guard namespaceIsValid else {
            logger.error("cache_namespace_invalid", metadata: [
                "namespace": "\(Self.loggable(configuration.namespace))", "fallback": "memory-only",
            ])
            await newStore?.shutdown()
            return
        }
        let wrapped = newStore.map(wrapInBreaker)
        let previous = store.withLock { current in
            defer { current = wrapped }
            return current
        }
        logger.notice("cache_mode", metadata: [
            "mode": "\(newStore?.backendName ?? "memory-only")",
            "previous": "\(previous?.backendName ?? "memory-only")",
            "namespace": "\(configuration.namespace)",
        ])
        await restartBackplane(rawStore: newStore)
        guard let previous else { return }
        await releaseHeldLocks(reason: "replace_store")
        await drainBackgroundWrites(reason: "replace_store")
        await previous.shutdown()
    }

    /// The KV store's preferred executor, if it has one (``KVStore/preferredTaskExecutor``).
    ///
    /// A server that handles a request under `withTaskExecutorPreference(cache.preferredTaskExecutor) { … }`
    /// reaches the Redis tier without hopping between threads twice per call: measured with cache-bench,
    /// that takes a single caller's KV hit from about a fifth to about three quarters of raw hiredis speed.
    /// Work done there shares the connection's I/O thread, so it must not block.
    public var preferredTaskExecutor: (any TaskExecutor)? { currentStore?.preferredTaskExecutor }

    /// A snapshot of what the cache has done so far.
    public func statistics() -> CacheStatistics {
        statisticsRecorder.snapshot(
            mode: mode, memory: memory.usage, circuitState: circuitState,
            pending: pendingWrites.withLock { ($0.count, $0.counts) })
    }

    /// Returns once every background KV write started before this call has finished, or when `timeout`
    /// has passed (by default ``CacheConfiguration/kvDeadline``, which bounds every write). Writes started
    /// after the call are not waited for, so this returns under steady traffic too. Returns whether every
    /// write it waited for finished.
    @discardableResult
    public func waitForBackgroundWrites(timeout: Duration? = nil) async -> Bool {
        await backgroundWrites.waitForWritesStartedBefore(deadline: .now + (timeout ?? defaultDrainTimeout))
    }

    /// Makes the cache memory-only, waits for the background writes already started (at most
    /// ``CacheConfiguration/kvDeadline``), then shuts the KV store down. The cache answers from memory
    /// afterwards.
    public func shutdown() async {
        await stopBackplane()
        let previous = store.withLock { current in
            defer { current = nil }
            return current
        }
        guard let previous else { return }
        await releaseHeldLocks(reason: "shutdown")
        await drainBackgroundWrites(reason: "shutdown")
        await previous.shutdown()
    }

    // MARK: - Internals

    var currentStore: (any KVStore)? { store.withLock { $0 } }

    /// Each write is bounded by the KV deadline from its start, so a wait this long sees all of them end
    /// unless a store breaks its contract; the margin covers scheduling on a loaded machine.
    var defaultDrainTimeout: Duration { configuration.kvDeadline + .milliseconds(250) }

    /// Waits for the writes started so far, and says so in the log when some outlive the deadline.
    @discardableResult
    func drainBackgroundWrites(reason: String) async -> Bool {
        let drained = await backgroundWrites.waitForWritesStartedBefore(deadline: .now + defaultDrainTimeout)
        if !drained {
            logger.warning("cache_background_writes_pending", metadata: [
                "reason": "\(reason)", "waited_ms": "\(defaultDrainTimeout / .milliseconds(1))",
            ])
        }
        return drained
    }

    func makeKey(_ key: String) -> CacheKey? {
        guard let cacheKey = CacheKey(key, namespace: configuration.namespace, maximumBytes: configuration.maximumKeyBytes) else {
            statisticsRecorder.recordRejectedKey()
            logger.warning("cache_key_rejected", metadata: [
                "reason": "key longer than \(configuration.maximumKeyBytes) bytes",
                "key_bytes": "\(key.utf8.count)",
                "key_prefix": "\(Self.loggable(key))",
            ])
            return nil
        }
        return cacheKey
    }

    /// A key shortened for logs: enough to recognise it, never a whole user question.
    static func loggable(_ key: String) -> String {
        key.utf8.count <= 64 ? key : String(key.prefix(48)) + "…(\(key.utf8.count) bytes)"
    }
}
