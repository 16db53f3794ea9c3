import Synchronization

/// Remembers recent invalidations so that work begun before one of them cannot undo it: a KV read that
/// was in flight, or a KV write whose value was read before the invalidation, is dropped when the
/// invalidation matches its key (issue 7, defect 4).
///
/// Every operation takes an ``epoch`` before it reads anything. An invalidation is recorded (``begin(_:)``)
/// before it clears memory, and stays *running* until ``end(_:)``; an epoch taken while one runs points
/// before it, so a read that starts in the middle of an invalidation (after memory was cleared, before the
/// KV key was deleted) is dropped too. Only the latest ``retained`` invalidations are kept; an epoch older
/// than all of them is treated as superseded whatever its key — a spurious miss, never a stale answer.
final class InvalidationFence: Sendable {
    /// How many recent invalidations are kept for comparison.
    static let retained = 1024

    private struct Record {
        var generation: UInt64
        var pattern: GlobPattern
    }

    private struct State {
        var generation: UInt64 = 0
        var records: [Record] = []
        var running: [UInt64: Int] = [:]
    }

    private let state = Mutex(State())
    /// Mirrors of `state.generation` and of the number of running invalidations, written under the lock,
    /// so that the hot path (no invalidation running or begun since) takes no lock.
    private let publishedGeneration = Atomic<UInt64>(0)
    private let publishedRunning = Atomic<Int>(0)

    /// The point in the invalidation history an operation starts from.
    var epoch: UInt64 {
        // `begin` publishes "running" before the new generation, so a generation read between two
        // "nothing running" reads is one no invalidation was running at (or one that has already ended).
        if publishedRunning.load(ordering: .sequentiallyConsistent) == 0 {
            let generation = publishedGeneration.load(ordering: .sequentiallyConsistent)
            if publishedRunning.load(ordering: .sequentiallyConsistent) == 0 { return generation }
        }
        return state.withLock { state in
            // While invalidations run, start from before the oldest running one.
            state.running.keys.min().map { $0 - 1 } ?? state.generation
        }
    }

    /// Records an invalidation of `pattern` and returns its generation; call before clearing anything.
    func begin(_ pattern: GlobPattern) -> UInt64 {
        state.withLock { state in
            state.generation += 1
            state.records.append(Record(generation: state.generation, pattern: pattern))
            if state.records.count > Self.retained { state.records.removeFirst(state.records.count - Self.retained) }
            state.running[state.generation, default: 0] += 1
            publishedRunning.add(1, ordering: .sequentiallyConsistent)
            publishedGeneration.store(state.generation, ordering: .sequentiallyConsistent)
            return state.generation
        }
    }

    /// Marks the invalidation `generation` as finished.
    func end(_ generation: UInt64) {
        state.withLock { state in
            if let count = state.running[generation], count > 1 {
                state.running[generation] = count - 1
            } else {
                state.running[generation] = nil
            }
            publishedRunning.subtract(1, ordering: .sequentiallyConsistent)
        }
    }

    /// Whether an invalidation matching `key` began after `epoch`.
    ///
    /// To keep a value read at `epoch`, store it first and ask afterwards (removing it again when the
    /// answer is yes): `begin` publishes the new generation before the invalidation clears memory, and the
    /// memory tier's lock orders the store and the clearing, so either the clearing removes the value or
    /// this sees the new generation.
    func isSuperseded(_ key: String, since epoch: UInt64) -> Bool {
        if publishedGeneration.load(ordering: .sequentiallyConsistent) <= epoch { return false }
        return state.withLock { Self.isSuperseded(key, since: epoch, in: $0) }
    }

    private static func isSuperseded(_ key: String, since epoch: UInt64, in state: State) -> Bool {
        guard state.generation > epoch else { return false }
        // Older than everything kept: assume the worst.
        guard let oldest = state.records.first, oldest.generation <= epoch + 1 else { return true }
        for record in state.records.reversed() {
            guard record.generation > epoch else { break }
            if record.pattern.matchesEverything || record.pattern.matches(key) { return true }
        }
        return false
    }
}
