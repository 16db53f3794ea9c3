import CoreMetrics
import Logging

/// The synchronous steps of ``TieredCache/lookup(_:)`` around its one `await`.
///
/// Why they are functions of their own: in an async function every temporary that needs an address (an
/// `Optional.map` argument, a `defer`, a lock's closure context) is a task allocation, freed again at the
/// function's end; `lookup` and the KV read did about twenty of them per KV hit. In a synchronous function
/// they are plain stack slots.
extension TieredCache {
    /// The lookup of a key that ``makeKey(_:)`` refused: a miss.
    func rejectedKeyLookup() -> CacheLookup {
        statisticsRecorder.recordLookup(.miss, fellBack: false)
        metrics.miss.increment()
        return CacheLookup(entry: nil, tier: nil, kvError: nil)
    }

    /// The lookup after its KV read (`kvOutcome` is `nil` without a KV store): a KV hit counted, or memory,
    /// a write-back of a memory hit after a KV miss, or a miss that may carry a stale copy.
    func finishLookup(_ cacheKey: CacheKey, after kvOutcome: KVReadOutcome?, epoch: UInt64) -> CacheLookup {
        var kvError: KVError.Code?
        var kvMissed = false
        var stale: (entry: CacheEntry, tier: CacheTier)?
        switch kvOutcome {
        case .hit(let entry, let latency)?:
            statisticsRecorder.recordKVHit(latency: latency)
            metrics.kvHit.increment()
            return CacheLookup(entry: entry, tier: .kv, kvError: nil)
        case .stale(let entry)?:
            kvMissed = true
            stale = (entry, .kv)
        case .miss?:
            kvMissed = true
        case .failed(let code)?:
            kvError = code
        case nil:
            break
        }
        let now = ContinuousClock.now
        if memoryUsable(afterKVMiss: kvMissed, now: now), let read = memory.read(cacheKey.normalized, now: now) {
            if !read.isStale(at: now) {
                logger.debug("cache_memory_hit", metadata: ["key": "\(Self.loggable(cacheKey.normalized))", "fallback": "\(kvError != nil)"])
                statisticsRecorder.recordLookup(.memoryHit, fellBack: kvError != nil)
                metrics.memoryHit.increment()
                if kvMissed, let store = currentStore {
                    // The plan's "return + save to KV": another instance, or this one after a deploy, finds it there.
                    let ttl = read.freshUntil.map { $0 - now }
                    let staleWindow = read.freshUntil.flatMap { fresh in read.expiresAt.map { $0 - fresh } }
                    if ttl.map({ $0 > .milliseconds(1) }) ?? true,
                       writeInBackground(cacheKey, read.entry, ttl: ttl, staleWindow: staleWindow, store: store, epoch: epoch) {
                        statisticsRecorder.recordWriteBack()
                    }
                }
                return CacheLookup(entry: read.entry, tier: .memory, kvError: kvError)
            }
            if stale == nil { stale = (read.entry, .memory) }
        }
        logger.debug("cache_memory_miss", metadata: ["key": "\(Self.loggable(cacheKey.normalized))"])
        statisticsRecorder.recordLookup(.miss, fellBack: kvError != nil)
        metrics.miss.increment()
        return CacheLookup(entry: nil, tier: nil, kvError: kvError, staleEntry: stale?.entry, staleTier: stale?.tier)
    }
}
