/// The result of ``TieredCache/lookup(_:)``: what answered and what happened on the way.
public struct CacheLookup: Sendable, Hashable {
    /// The entry found, or `nil` on a miss.
    public var entry: CacheEntry?
    /// The tier that answered, or `nil` on a miss.
    public var tier: CacheTier?
    /// The class of the KV failure during this lookup, when the KV tier failed and memory served instead.
    public var kvError: KVError.Code?

    /// Creates a lookup result.
    public init(entry: CacheEntry?, tier: CacheTier?, kvError: KVError.Code?) {
        self.entry = entry
        self.tier = tier
        self.kvError = kvError
    }

    /// Whether the KV tier failed and the lookup fell back to memory.
    public var fellBack: Bool { kvError != nil }
    /// Whether either tier had the entry.
    public var isHit: Bool { entry != nil }
}
