import CacheCore
import Synchronization

/// Watches every instance's circuit breaker during a run and notes each change of state, so the report can
/// mark openings and closings on the timeline. Polls (every few milliseconds) rather than hooking the cache:
/// the cache reports its breaker through its public state only, as it would to any application.
final class CircuitWatcher: Sendable {
    private struct Watched {
        let instance: Int
        let cache: TieredCache
        var last: CircuitState?
    }

    private struct State {
        var watched: [Watched] = []
        var transitions: [CircuitTransition] = []
    }

    private let state = Mutex(State())
    private let start: ContinuousClock.Instant
    private let interval: Duration

    init(start: ContinuousClock.Instant, interval: Duration = .milliseconds(5)) {
        self.start = start
        self.interval = interval
    }

    /// Starts watching a new instance's cache.
    func watch(instance: Int, cache: TieredCache) {
        let initial = cache.circuitState
        state.withLock { $0.watched.append(Watched(instance: instance, cache: cache, last: initial)) }
    }

    /// Notes the instances whose breaker changed since the last look.
    func poll() {
        let now = VariantRunner.milliseconds(ContinuousClock.now - start)
        state.withLock { state in
            for index in state.watched.indices {
                let current = state.watched[index].cache.circuitState
                guard current != state.watched[index].last else { continue }
                state.watched[index].last = current
                if let current {
                    state.transitions.append(CircuitTransition(
                        atMilliseconds: now, instance: state.watched[index].instance, state: current.rawValue))
                }
            }
        }
    }

    /// Polls until cancelled.
    func run() async {
        while !Task.isCancelled {
            poll()
            guard (try? await Task.sleep(for: interval)) != nil else { return }
        }
    }

    /// Every change seen so far, in order.
    var transitions: [CircuitTransition] { state.withLock { $0.transitions } }
}
