import CacheCore
import Synchronization

/// Measures the staleness window after `invalidate` events (issue 12): an answer that is an old version
/// of the truth, served after an invalidation that covered it (the knowledge base had changed before the
/// invalidation, and its pattern matches the question), is a *stale answer* inside a window, not a wrong
/// one. Per invalidation and per other instance live at the time, the window is the time from the start
/// of the invalidation to the start of the last request that instance answered with a stale answer (0 when
/// none): the cache decides a hit within microseconds of the request's start, whereas its completion on a
/// loaded machine also measures how long the finished task waited for a thread.
final class StalenessTracker: Sendable {
    private struct Invalidation {
        var startMilliseconds: Double
        var pattern: GlobPattern
        /// The knowledge-base updates applied before the invalidation began.
        var updatesBefore: Int
        var invalidator: Int
        var instances: [Int]
        /// Per instance, the completion time of its last stale answer.
        var lastStale: [Int: Double] = [:]
    }

    private struct State {
        var invalidations: [Invalidation] = []
        var staleAnswers = 0
    }

    private let state = Mutex(State())

    /// Records an invalidation starting now (`startMilliseconds` since the run began) on instance
    /// `invalidator`, with `instances` live.
    func begin(pattern: String, updatesBefore: Int, invalidator: Int, instances: [Int], startMilliseconds: Double) {
        state.withLock {
            $0.invalidations.append(Invalidation(
                startMilliseconds: startMilliseconds, pattern: GlobPattern(pattern), updatesBefore: updatesBefore,
                invalidator: invalidator, instances: instances))
        }
    }

    /// Whether `answer` to `question`, served by `instance` to a request started at `startedMilliseconds`, is
    /// an old version covered by an invalidation; if so it is counted in that invalidation's window.
    func isCoveredStaleAnswer(
        question: String, answer: CacheEntry, origin: OriginSimulator, instance: Int, startedMilliseconds: Double
    ) -> Bool {
        state.withLock { state in
            // The latest covering invalidation first: its window is the one still open.
            for index in state.invalidations.indices.reversed() {
                let invalidation = state.invalidations[index]
                guard invalidation.pattern.matches(question) else { continue }
                let versionThen = origin.version(of: question, afterUpdates: invalidation.updatesBefore)
                let isOld = (0..<versionThen).contains { version in
                    let truth = origin.truth(for: question, version: version)
                    return truth.value == answer.value && truth.source == answer.source
                }
                guard isOld else { continue }
                state.invalidations[index].lastStale[instance] = max(
                    state.invalidations[index].lastStale[instance] ?? 0, startedMilliseconds)
                state.staleAnswers += 1
                return true
            }
            return false
        }
    }

    /// The windows in milliseconds, one per (invalidation, instance other than the invalidator).
    var windows: [Double] {
        state.withLock { state in
            state.invalidations.flatMap { invalidation in
                invalidation.instances.filter { $0 != invalidation.invalidator }.map { instance in
                    invalidation.lastStale[instance].map { max(0, $0 - invalidation.startMilliseconds) } ?? 0
                }
            }
        }
    }

    /// Stale answers counted so far.
    var staleAnswers: Int { state.withLock { $0.staleAnswers } }

    /// Whether any invalidation ran.
    var isEmpty: Bool { state.withLock { $0.invalidations.isEmpty } }
}
