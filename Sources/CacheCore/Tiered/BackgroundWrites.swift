import Synchronization

/// Bounds and tracks the KV writes a cache runs without making its caller wait, so that a slow KV tier
/// cannot pile up unbounded work, and so that shutting down or swapping the store can wait for the writes
/// already under way.
///
/// Waiting is for the writes started *before* the wait began, up to a deadline (issue 7, defect 6): a wait
/// for "no write running" may never end under steady traffic, and a write that hangs must not hang its
/// waiter. Each write is counted out by ``finish()``; a waiter only counts the writes it saw running.
final class BackgroundWrites: Sendable {
    private struct Waiter {
        /// Writes this waiter still waits for.
        var remaining: Int
        /// The writes running when the waiter arrived have tickets below this.
        var threshold: UInt64
        var continuation: CheckedContinuation<Bool, Never>
        var timer: Task<Void, Never>?
    }

    private struct State {
        var nextTicket: UInt64 = 0
        var running: Set<UInt64> = []
        var nextWaiter: UInt64 = 0
        var waiters: [UInt64: Waiter] = [:]
    }

    /// One claimed slot; hand it back to ``finish(_:)``.
    struct Ticket: Sendable {
        fileprivate let number: UInt64
    }

    private let state = Mutex(State())
    private let limit: Int

    init(limit: Int) { self.limit = limit }

    /// Writes waiting to be counted out (for tests).
    var waiterCount: Int { state.withLock { $0.waiters.count } }

    /// Claims a slot; `nil` when `limit` writes are already running.
    func tryStart() -> Ticket? {
        state.withLock { state in
            guard state.running.count < limit else { return nil }
            defer { state.nextTicket += 1 }
            state.running.insert(state.nextTicket)
            return Ticket(number: state.nextTicket)
        }
    }

    /// Releases a slot claimed by ``tryStart()``.
    func finish(_ ticket: Ticket) {
        let released: [Waiter] = state.withLock { state in
            guard state.running.remove(ticket.number) != nil else { return [] }
            var released: [Waiter] = []
            for (id, var waiter) in state.waiters where ticket.number < waiter.threshold {
                waiter.remaining -= 1
                if waiter.remaining == 0 {
                    state.waiters[id] = nil
                    released.append(waiter)
                } else {
                    state.waiters[id] = waiter
                }
            }
            return released
        }
        for waiter in released {
            waiter.timer?.cancel()
            waiter.continuation.resume(returning: true)
        }
    }

    /// Returns once every write started before this call has finished (`true`), or at `deadline` if some
    /// are still running then (`false`). Writes started after the call are not waited for.
    func waitForWritesStartedBefore(deadline: ContinuousClock.Instant) async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let id: UInt64? = state.withLock { state in
                guard !state.running.isEmpty else { return nil }
                state.nextWaiter += 1
                state.waiters[state.nextWaiter] = Waiter(
                    remaining: state.running.count, threshold: state.nextTicket, continuation: continuation, timer: nil)
                return state.nextWaiter
            }
            guard let id else {
                continuation.resume(returning: true)
                return
            }
            let timer = Task { [self] in
                guard (try? await Task.sleep(until: deadline, clock: .continuous)) != nil else { return }
                expire(id)
            }
            let stillWaiting = state.withLock { state in
                guard state.waiters[id] != nil else { return false }
                state.waiters[id]?.timer = timer
                return true
            }
            if !stillWaiting { timer.cancel() }
        }
    }

    private func expire(_ id: UInt64) {
        let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
        waiter?.continuation.resume(returning: false)
    }
}
