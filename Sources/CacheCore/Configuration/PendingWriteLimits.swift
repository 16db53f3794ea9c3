/// The bounds of the queue of KV writes kept for replay after an outage (``CacheConfiguration/pendingWrites``).
///
/// A write that failed, or was refused by the open circuit breaker, is kept (newest per key) and replayed
/// once the KV tier is back; past either bound the oldest writes are dropped, and writes whose entry has
/// expired are never replayed. The memory tier still holds every one of them, so a bound only decides how
/// many answers computed during an outage become shared through the KV tier again.
public struct PendingWriteLimits: Sendable, Hashable {
    /// The most writes kept at once; 0 keeps none (writes that fail are lost, as before).
    public var maximumEntries: Int
    /// The most bytes kept at once (keys, values and a fixed per-write overhead).
    public var maximumBytes: Int

    /// Creates limits; the defaults keep up to 10 000 writes or 16 MiB.
    public init(maximumEntries: Int = 10_000, maximumBytes: Int = 16 << 20) {
        self.maximumEntries = max(0, maximumEntries)
        self.maximumBytes = max(0, maximumBytes)
    }

    /// Keeps no write for replay.
    public static let none = PendingWriteLimits(maximumEntries: 0, maximumBytes: 0)
}
