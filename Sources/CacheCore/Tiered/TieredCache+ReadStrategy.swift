import CoreMetrics

extension TieredCache {
    /// The memory-first read (``ReadStrategy/memoryFirst``): a fresh memory entry answers at once, without
    /// a KV round trip, while the backplane vouches for memory (its last confirmation is within
    /// ``BackplanePolicy/maximumStaleness``). `nil` sends the lookup down the KV-first path, which also
    /// fills memory from KV on a hit.
    ///
    /// No lock on this path beyond the memory tier's own: the coherence horizon is an atomic. Takes the caller's
    /// key as it is and builds no ``CacheKey`` (whose backend key is a string allocation): a key that needs
    /// rejecting is left to the KV-first path, which logs it.
    func memoryFirstHit(_ rawKey: String) -> CacheLookup? {
        guard configuration.readStrategy == .memoryFirst else { return nil }
        let normalized = CacheKey.normalize(rawKey)
        guard normalized.utf8.count <= configuration.maximumKeyBytes else { return nil }
        let now = ContinuousClock.now
        guard backplaneLink.trustsMemory(at: now) else {
            if backplaneLink.isActive { backplaneLink.record { $0.degradedLookups += 1 } }
            return nil
        }
        guard let read = memory.read(normalized, now: now), !read.isStale(at: now) else { return nil }
        statisticsRecorder.recordLookup(.memoryHit, fellBack: false)
        metrics.memoryHit.increment()
        return CacheLookup(entry: read.entry, tier: .memory, kvError: nil)
    }

    /// Whether memory may answer after the KV tier missed. Not with memory-first while the backplane cannot
    /// vouch for memory: the miss may be an invalidation (or a change) this instance never heard of, and the
    /// KV-first path would otherwise serve the old copy and write it back to KV for every instance. After a
    /// KV *failure* memory still answers, as with ``ReadStrategy/kvFirst`` (the plan's fallback).
    func memoryUsable(afterKVMiss kvMissed: Bool, now: ContinuousClock.Instant) -> Bool {
        guard kvMissed, configuration.readStrategy == .memoryFirst else { return true }
        return backplaneLink.trustsMemory(at: now) || !backplaneLink.isActive
    }
}
