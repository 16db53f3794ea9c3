/// The caches' own statistics (`TieredCache.statistics()`), summed over every instance of a run.
public struct CacheStatisticsSummary: Sendable, Hashable, Codable {
    /// Lookups.
    public var lookups: Int = 0
    /// KV hits.
    public var kvHits: Int = 0
    /// Memory hits.
    public var memoryHits: Int = 0
    /// Misses.
    public var misses: Int = 0
    /// Lookups and writes where KV failed and memory served.
    public var fallbacks: Int = 0
    /// KV errors by class (`timeout`, `connection_refused`, …).
    public var kvErrorsByClass: [String: Int] = [:]
    /// KV operations measured.
    public var kvOperations: Int = 0
    /// Mean KV operation latency, in microseconds (weighted over instances).
    public var kvLatencyMeanMicroseconds: Double = 0
    /// The worst instance's 99th percentile KV latency, in microseconds.
    public var kvLatencyWorstP99Microseconds: Double = 0
    /// The worst KV operation, in microseconds.
    public var kvLatencyMaxMicroseconds: Double = 0
    /// Background KV writes.
    public var backgroundWrites: Int = 0
    /// Background KV writes that failed.
    public var backgroundWriteFailures: Int = 0
    /// Background KV writes dropped because too many were pending.
    public var backgroundWritesDropped: Int = 0
    /// Memory hits written back to KV.
    public var writeBacks: Int = 0
    /// KV entries that could not be decoded.
    public var malformedEntries: Int = 0

    /// Creates an empty summary.
    public init() {}

    /// KV errors of every class except `not_configured` (which is memory-only mode, not a failure).
    public var kvErrors: Int {
        kvErrorsByClass.filter { $0.key != "not_configured" }.values.reduce(0, +)
    }
}
