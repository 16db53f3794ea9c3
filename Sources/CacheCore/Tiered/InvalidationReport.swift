/// What ``TieredCache/invalidate(_:)`` removed.
public struct InvalidationReport: Sendable, Hashable {
    /// Entries removed from the memory tier.
    public var memoryRemoved: Int
    /// Keys removed from the KV tier.
    public var kvRemoved: Int
    /// The KV failure that stopped the KV side early, if any; memory was still cleared.
    public var kvError: KVError?
    /// Whether the KV side was scanned to the end, every matching key found was deleted, and every
    /// background write started before the invalidation had finished before the scan (false when the KV
    /// tier failed, when such a write was still running at the deadline, or when no KV tier is configured).
    public var kvComplete: Bool

    /// Creates a report.
    public init(memoryRemoved: Int, kvRemoved: Int, kvError: KVError?, kvComplete: Bool) {
        self.memoryRemoved = memoryRemoved
        self.kvRemoved = kvRemoved
        self.kvError = kvError
        self.kvComplete = kvComplete
    }
}
