/// KV writes that failed (or were refused by an open circuit breaker), kept so that answers computed
/// during an outage become shared again once the KV tier is back.
///
/// Bounded by entry count and by bytes; holds only the newest write per key; a write whose entry has
/// expired is dropped rather than replayed. Oldest writes are dropped first when a bound is reached.
struct PendingWriteQueue: Sendable {
    /// One write waiting to be replayed.
    struct Write: Sendable {
        let key: CacheKey
        let entry: CacheEntry
        /// When the entry expires; `nil` when it does not.
        let expiresAt: ContinuousClock.Instant?
        /// The invalidation generation the write belongs to (a write older than an invalidation that
        /// matched it must not be replayed).
        let generation: UInt64
        /// When the entry stops being fresh (`nil`: fresh until ``expiresAt``); ``expiresAt`` is then the end
        /// of its stale window.
        var freshUntil: ContinuousClock.Instant? = nil

        var bytes: Int { key.backendKey.utf8.count + entry.value.count + 64 }
    }

    /// What became of writes the queue could not keep.
    struct Counts: Sendable, Hashable {
        /// Writes kept for replay.
        var queued = 0
        /// Writes handed back for replay.
        var replayed = 0
        /// Writes dropped: replaced by a newer write for the same key, expired, evicted by a bound, or
        /// removed by an invalidation.
        var dropped = 0
    }

    let maximumEntries: Int
    let maximumBytes: Int
    private var writes: [String: (sequence: UInt64, write: Write)] = [:]
    private var order: [(sequence: UInt64, key: String)] = []
    private var orderStart = 0
    private var nextSequence: UInt64 = 0
    private(set) var bytes = 0
    private(set) var counts = Counts()

    init(maximumEntries: Int, maximumBytes: Int) {
        self.maximumEntries = max(0, maximumEntries)
        self.maximumBytes = max(0, maximumBytes)
    }

    /// How many writes are waiting.
    var count: Int { writes.count }

    /// Keeps `write`, replacing any older write for the same key and evicting the oldest writes beyond
    /// the bounds.
    mutating func enqueue(_ write: Write) {
        guard write.bytes <= maximumBytes, maximumEntries > 0 else {
            counts.dropped += 1
            return
        }
        let name = write.key.backendKey
        if let previous = writes.removeValue(forKey: name) {
            bytes -= previous.write.bytes
            counts.dropped += 1
        }
        nextSequence += 1
        writes[name] = (nextSequence, write)
        order.append((nextSequence, name))
        bytes += write.bytes
        counts.queued += 1
        while writes.count > maximumEntries || bytes > maximumBytes {
            guard evictOldest() else { break }
        }
        compactOrderIfNeeded()
    }

    /// Takes every write whose entry has not expired by `now`, oldest first; expired ones are dropped.
    mutating func drain(now: ContinuousClock.Instant) -> [Write] {
        var ready: [Write] = []
        for (sequence, name) in order[orderStart...] {
            guard let held = writes[name], held.sequence == sequence else { continue }
            if let expiresAt = held.write.expiresAt, expiresAt <= now {
                counts.dropped += 1
            } else {
                ready.append(held.write)
            }
        }
        counts.replayed += ready.count
        writes = [:]
        order = []
        orderStart = 0
        bytes = 0
        return ready
    }

    /// Drops the queued writes whose cache key matches `pattern` (an invalidation), returning how many.
    mutating func removeAll(matching pattern: GlobPattern) -> Int {
        let doomed = writes.filter { pattern.matches($0.value.write.key.normalized) }
        for (name, held) in doomed {
            writes[name] = nil
            bytes -= held.write.bytes
        }
        counts.dropped += doomed.count
        compactOrderIfNeeded()
        return doomed.count
    }

    private mutating func evictOldest() -> Bool {
        while orderStart < order.count {
            let (sequence, name) = order[orderStart]
            orderStart += 1
            if let held = writes[name], held.sequence == sequence {
                writes[name] = nil
                bytes -= held.write.bytes
                counts.dropped += 1
                return true
            }
        }
        return false
    }

    /// Keeps the order log from growing without bound under replacements.
    private mutating func compactOrderIfNeeded() {
        guard order.count > 64, order.count > 2 * writes.count + orderStart else { return }
        order = order[orderStart...].filter { writes[$0.key]?.sequence == $0.sequence }
        orderStart = 0
    }
}
