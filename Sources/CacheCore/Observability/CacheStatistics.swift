/// A snapshot of what a ``TieredCache`` has done since it was created, for the scenario harness,
/// dashboards and tests.
public struct CacheStatistics: Sendable, Codable, Hashable {
    /// The backend mode: `"redis"`, `"memory-only"`, …
    public var mode: String
    /// Lookups made (`get`, `lookup`, and the lookup inside `getOrCompute`).
    public var lookups: Int
    /// Lookups answered by the KV tier.
    public var kvHits: Int
    /// Lookups answered by the memory tier.
    public var memoryHits: Int
    /// Lookups answered by neither tier.
    public var misses: Int
    /// Operations where the KV tier failed (error or timeout) and the cache went on with memory alone.
    public var fallbacks: Int
    /// KV failures by class (``KVError/Code/name``).
    public var kvErrorsByClass: [String: Int]
    /// Latency of KV operations as the cache saw them, in microseconds.
    public var kvLatency: LatencySummary
    /// KV writes started in the background (sets and write-backs).
    public var backgroundWrites: Int
    /// Background KV writes that failed.
    public var backgroundWriteFailures: Int
    /// Background KV writes dropped because too many were already running.
    public var backgroundWritesDropped: Int
    /// Memory hits written back to the KV tier.
    public var writeBacks: Int
    /// Stored entries that could not be decoded (counted as misses).
    public var malformedEntries: Int
    /// KV failures that left an operation to memory alone, by operation (`get`, `set`, `scan`, `delete`).
    public var fallbacksByOperation: [String: Int]
    /// Stored entries that did not name their key (counted as misses, never served nor written back).
    public var keylessEntries: Int
    /// KV replies refused because they named another key than the one asked for (replies paired with the
    /// wrong command); each is also a `protocol` KV error, and the connection that delivered it was closed.
    public var misPairedReplies: Int
    /// Stored entries of a newer envelope version than this code writes (misses, never overwritten).
    public var newerVersionEntries: Int
    /// KV writes skipped because the key holds an entry of a newer version.
    public var overwritesAvoided: Int
    /// KV reads discarded because an invalidation matching their key ran while they were in flight.
    public var supersededReads: Int
    /// Background KV writes not sent, or deleted again once they landed, because an invalidation matching
    /// their key started after their value was read.
    public var supersededWrites: Int
    /// Keys refused as too long (counted as misses, never stored).
    public var rejectedKeys: Int
    /// Entries over ``CacheConfiguration/maximumEntryBytes``: stored ones read as misses, plus sets refused.
    public var entriesTooLarge: Int
    /// What the memory tier holds now.
    public var memoryEntries: Int
    /// Bytes the memory tier holds now.
    public var memoryBytes: Int
    /// Memory entries evicted to respect the limits.
    public var memoryEvictions: Int
    /// The KV circuit breaker's state now, or `nil` without a KV tier or with the breaker disabled.
    public var circuitState: CircuitState?
    /// Failed background writes waiting to be replayed now.
    public var pendingWrites: Int
    /// Failed background writes kept for replay, since the cache was created.
    public var pendingWritesQueued: Int
    /// Kept writes handed back to the KV tier once it was back.
    public var pendingWritesReplayed: Int
    /// Kept writes dropped: replaced by a newer one for the key, expired, over a bound, or invalidated.
    public var pendingWritesDropped: Int
    /// Stale answers served by `getOrCompute` (fail-safe), by ``CacheResult/StaleReason`` raw value.
    public var staleAnswersByReason: [String: Int]
    /// `getOrCompute` calls answered by another caller's concurrent computation (single-flight).
    public var sharedComputations: Int
    /// How `getOrCompute` misses went with cross-instance single-flight (``DistributedLockPolicy``), by
    /// outcome: `acquired` (this instance held the lock and computed), `answered_by_other` (another
    /// instance's answer was read from KV), and `local_<reason>` (computed without the lock: `kv_failed`, `kv_slow`,
    /// `lock_failed`, `wait_expired`, `no_locking`).
    public var distributedLockOutcomes: [String: Int] = [:]

    /// All stale answers served, whatever the reason.
    public var staleAnswers: Int { staleAnswersByReason.values.reduce(0, +) }

    /// Share of lookups answered by either tier (0 when there were none).
    public var hitRate: Double { lookups == 0 ? 0 : Double(kvHits + memoryHits) / Double(lookups) }
    /// Share of lookups answered by the KV tier.
    public var kvHitRate: Double { lookups == 0 ? 0 : Double(kvHits) / Double(lookups) }
    /// Share of lookups answered by the memory tier.
    public var memoryHitRate: Double { lookups == 0 ? 0 : Double(memoryHits) / Double(lookups) }
    /// All KV failures, whatever their class.
    public var kvErrors: Int { kvErrorsByClass.values.reduce(0, +) }
}
