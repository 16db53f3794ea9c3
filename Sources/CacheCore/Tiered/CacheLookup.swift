/// The result of ``TieredCache/lookup(_:)``: what answered and what happened on the way.
public struct CacheLookup: Sendable, Hashable {
    /// The entry found, or `nil` on a miss.
    public var entry: CacheEntry?
    /// The tier that answered, or `nil` on a miss.
    public var tier: CacheTier?
    /// The class of the KV failure during this lookup, when the KV tier failed and memory served instead.
    public var kvError: KVError.Code?
    /// On a miss, a copy past its fresh lifetime but inside its stale window (fail-safe), which
    /// ``TieredCache/getOrCompute(_:ttl:staleWindow:softTimeout:compute:)`` may serve, marked stale, when
    /// the origin fails. Never served by ``TieredCache/get(_:)``.
    public var staleEntry: CacheEntry?
    /// The tier that held ``staleEntry``.
    public var staleTier: CacheTier?

    /// Creates a lookup result.
    public init(
        entry: CacheEntry?, tier: CacheTier?, kvError: KVError.Code?, staleEntry: CacheEntry? = nil, staleTier: CacheTier? = nil
    ) {
        self.entry = entry
        self.tier = tier
        self.kvError = kvError
        self.staleEntry = staleEntry
        self.staleTier = staleTier
    }

    /// Whether the KV tier failed and the lookup fell back to memory.
    public var fellBack: Bool { kvError != nil }
    /// Whether either tier had the entry.
    public var isHit: Bool { entry != nil }
}
