/// What ``TieredCache/getOrCompute(_:ttl:compute:)`` answered and where the answer came from.
public struct CacheResult: Sendable, Hashable {
    /// Where the answer came from.
    public enum Origin: String, Sendable, Codable, Hashable {
        /// The KV tier.
        case kv
        /// The memory tier.
        case memory
        /// The `compute` closure (the origin: knowledge base or LLM).
        case computed
    }

    /// The answer.
    public var entry: CacheEntry
    /// Where it came from.
    public var origin: Origin
    /// The class of the KV failure during this request, when the KV tier failed and memory served instead.
    public var kvError: KVError.Code?

    /// Creates a result.
    public init(entry: CacheEntry, origin: Origin, kvError: KVError.Code?) {
        self.entry = entry
        self.origin = origin
        self.kvError = kvError
    }
}
