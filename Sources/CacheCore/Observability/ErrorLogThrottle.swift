import Synchronization

/// Decides which KV errors are logged at warning level: the first of each class per interval, so an
/// outage at a thousand requests a second is one warning a second per class, not a thousand. The rest
/// go to debug level and are counted in metrics as usual; the next warning says how many were quieted.
final class ErrorLogThrottle: Sendable {
    private struct ClassState {
        var lastWarning: ContinuousClock.Instant
        var suppressed: Int
    }

    private let interval: Duration
    private let states = Mutex<[String: ClassState]>([:])

    init(interval: Duration = .seconds(1)) { self.interval = interval }

    /// `nil` when this error should be quiet; otherwise how many of its class were quieted since the last warning.
    func admit(_ code: KVError.Code, now: ContinuousClock.Instant = .now) -> Int? {
        states.withLock { states in
            guard var state = states[code.name] else {
                states[code.name] = ClassState(lastWarning: now, suppressed: 0)
                return 0
            }
            if now - state.lastWarning >= interval {
                let suppressed = state.suppressed
                state = ClassState(lastWarning: now, suppressed: 0)
                states[code.name] = state
                return suppressed
            }
            state.suppressed += 1
            states[code.name] = state
            return nil
        }
    }
}
