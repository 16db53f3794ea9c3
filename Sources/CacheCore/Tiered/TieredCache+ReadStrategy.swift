import CoreMetrics

extension TieredCache {
    /// The memory-first read (``ReadStrategy/memoryFirst``): a fresh memory entry answers at once, without
    /// a KV round trip, while the backplane vouches for memory (its last confirmation is within
    /// ``BackplanePolicy/maximumStaleness``). `nil` sends the lookup down the KV-first path, which also
    /// fills memory from KV on a hit.
    ///
    /// No lock on this path beyond the memory tier's own: the coherence horizon is an atomic.
    func memoryFirstHit(_ key: CacheKey) -> CacheLookup? {
        guard configuration.readStrategy == .memoryFirst else { return nil }
        let now = ContinuousClock.now
        guard backplaneLink.trustsMemory(at: now) else {
            if backplaneLink.isActive { backplaneLink.record { $0.degradedLookups += 1 } }
            return nil
        }
        guard let read = memory.read(key.normalized, now: now), !read.isStale(at: now) else { return nil }
        statisticsRecorder.recordLookup(.memoryHit, fellBack: false)
        metrics.memoryHit.increment()
        return CacheLookup(entry: read.entry, tier: .memory, kvError: nil)
    }
}
