import Synchronization

/// Runs an operation with a time limit without waiting for it to finish when the limit passes: a request
/// the cache never answers must fail the scenario, not hang the harness.
enum FirstResult {
    /// The operation's value, or `nil` if `limit` passed first (the operation is then cancelled and left
    /// to end on its own).
    static func value<Value: Sendable>(
        within limit: Duration, _ operation: @escaping @Sendable () async -> Value
    ) async -> Value? {
        let claimed = OnceFlag()
        return await withCheckedContinuation { (continuation: CheckedContinuation<Value?, Never>) in
            let timers = TimerHandle()
            let work = Task {
                let value = await operation()
                if claimed.claim() {
                    timers.cancel()
                    continuation.resume(returning: value)
                }
            }
            timers.set(Task {
                try? await Task.sleep(for: limit)
                if claimed.claim() {
                    work.cancel()
                    continuation.resume(returning: nil)
                }
            })
        }
    }
}

/// The timer task of one ``FirstResult/value(within:_:)`` call, set after the work task exists so each can
/// cancel the other.
private final class TimerHandle: Sendable {
    private struct State {
        var task: Task<Void, Never>?
        var cancelled = false
    }

    private let state = Mutex(State())

    func set(_ timer: Task<Void, Never>) {
        let cancelNow = state.withLock { state in
            state.task = timer
            return state.cancelled
        }
        if cancelNow { timer.cancel() }
    }

    func cancel() {
        state.withLock { state in
            state.cancelled = true
            return state.task
        }?.cancel()
    }
}
