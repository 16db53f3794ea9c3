import Histogram
import Synchronization

/// Counts what the cache does, for ``CacheStatistics``. One lock, held for a few increments.
final class StatisticsRecorder: Sendable {
    private struct Counts {
        var lookups = 0
        var kvHits = 0
        var memoryHits = 0
        var misses = 0
        var fallbacks = 0
        var kvErrorsByClass: [String: Int] = [:]
        var backgroundWrites = 0
        var backgroundWriteFailures = 0
        var backgroundWritesDropped = 0
        var writeBacks = 0
        var malformedEntries = 0
        var rejectedKeys = 0
        var fallbacksByOperation: [String: Int] = [:]
        var keylessEntries = 0
        var misPairedReplies = 0
        var newerVersionEntries = 0
        var overwritesAvoided = 0
        var supersededReads = 0
        var supersededWrites = 0
        var entriesTooLarge = 0
        var staleAnswersByReason: [String: Int] = [:]
        var sharedComputations = 0
        var lockOutcomes: [String: Int] = [:]
        // Microseconds; up to an hour, 3 significant digits.
        var kvLatency = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
    }

    private let counts = Mutex(Counts())

    enum LookupOutcome {
        case kvHit, memoryHit, miss
    }

    func recordLookup(_ outcome: LookupOutcome, fellBack: Bool) {
        counts.withLock { counts in
            counts.lookups += 1
            switch outcome {
            case .kvHit: counts.kvHits += 1
            case .memoryHit: counts.memoryHits += 1
            case .miss: counts.misses += 1
            }
            if fellBack { counts.fallbacks += 1 }
        }
    }

    func recordKVLatency(_ duration: Duration) {
        let micros = Self.microseconds(duration)
        counts.withLock { _ = $0.kvLatency.record(micros) }
    }

    /// A lookup answered by the KV tier and the latency of its read, under one lock: the hit path's only
    /// statistics lock, taken by every concurrent caller.
    func recordKVHit(latency: Duration) {
        let micros = Self.microseconds(latency)
        counts.withLock { counts in
            counts.lookups += 1
            counts.kvHits += 1
            _ = counts.kvLatency.record(micros)
        }
    }

    private static func microseconds(_ duration: Duration) -> UInt64 {
        Swift.min(UInt64(max(0, duration / .microseconds(1))), 3_600_000_000)
    }

    func recordKVError(_ code: KVError.Code) {
        counts.withLock { $0.kvErrorsByClass[code.name, default: 0] += 1 }
    }

    /// A KV failure of `operation` that left it to memory alone (lookups count theirs in ``recordLookup``).
    func recordFallback(_ operation: CacheMetrics.Operation) {
        counts.withLock { $0.fallbacksByOperation[operation.rawValue, default: 0] += 1 }
    }
    func recordBackgroundWrite() { counts.withLock { $0.backgroundWrites += 1 } }
    func recordBackgroundWriteFailure() { counts.withLock { $0.backgroundWriteFailures += 1 } }
    func recordBackgroundWriteDropped() { counts.withLock { $0.backgroundWritesDropped += 1 } }
    func recordWriteBack() { counts.withLock { $0.writeBacks += 1 } }
    func recordMalformedEntry() { counts.withLock { $0.malformedEntries += 1 } }
    func recordRejectedKey() { counts.withLock { $0.rejectedKeys += 1 } }
    func recordKeylessEntry() { counts.withLock { $0.keylessEntries += 1 } }
    func recordMisPairedReply() { counts.withLock { $0.misPairedReplies += 1 } }
    func recordNewerVersionEntry() { counts.withLock { $0.newerVersionEntries += 1 } }
    func recordOverwriteAvoided() { counts.withLock { $0.overwritesAvoided += 1 } }
    func recordSupersededRead() { counts.withLock { $0.supersededReads += 1 } }
    func recordSupersededWrite() { counts.withLock { $0.supersededWrites += 1 } }
    func recordEntryTooLarge() { counts.withLock { $0.entriesTooLarge += 1 } }
    func recordStaleAnswer(_ reason: CacheResult.StaleReason) {
        counts.withLock { $0.staleAnswersByReason[reason.rawValue, default: 0] += 1 }
    }
    func recordSharedComputation() { counts.withLock { $0.sharedComputations += 1 } }
    func recordLockOutcome(_ outcome: String) { counts.withLock { $0.lockOutcomes[outcome, default: 0] += 1 } }

    func snapshot(
        mode: String, memory: MemoryTier.Usage, circuitState: CircuitState?, pending: (count: Int, counts: PendingWriteQueue.Counts)
    ) -> CacheStatistics {
        counts.withLock { counts in
            let histogram = counts.kvLatency
            let latency = histogram.totalCount == 0
                ? LatencySummary.empty
                : LatencySummary(
                    count: Int(histogram.totalCount),
                    mean: histogram.mean,
                    p50: Double(histogram.valueAtPercentile(50)),
                    p90: Double(histogram.valueAtPercentile(90)),
                    p99: Double(histogram.valueAtPercentile(99)),
                    max: Double(histogram.max))
            return CacheStatistics(
                mode: mode,
                lookups: counts.lookups,
                kvHits: counts.kvHits,
                memoryHits: counts.memoryHits,
                misses: counts.misses,
                fallbacks: counts.fallbacks,
                kvErrorsByClass: counts.kvErrorsByClass,
                kvLatency: latency,
                backgroundWrites: counts.backgroundWrites,
                backgroundWriteFailures: counts.backgroundWriteFailures,
                backgroundWritesDropped: counts.backgroundWritesDropped,
                writeBacks: counts.writeBacks,
                malformedEntries: counts.malformedEntries,
                fallbacksByOperation: counts.fallbacksByOperation,
                keylessEntries: counts.keylessEntries,
                misPairedReplies: counts.misPairedReplies,
                newerVersionEntries: counts.newerVersionEntries,
                overwritesAvoided: counts.overwritesAvoided,
                supersededReads: counts.supersededReads,
                supersededWrites: counts.supersededWrites,
                rejectedKeys: counts.rejectedKeys,
                entriesTooLarge: counts.entriesTooLarge,
                memoryEntries: memory.entries,
                memoryBytes: memory.bytes,
                memoryEvictions: memory.evictions,
                circuitState: circuitState,
                pendingWrites: pending.count,
                pendingWritesQueued: pending.counts.queued,
                pendingWritesReplayed: pending.counts.replayed,
                pendingWritesDropped: pending.counts.dropped,
                staleAnswersByReason: counts.staleAnswersByReason,
                sharedComputations: counts.sharedComputations,
                distributedLockOutcomes: counts.lockOutcomes)
        }
    }
}
