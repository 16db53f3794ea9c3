import CacheCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// How a caller waiting for a reply is resumed: with the reply, or with the classified failure.
typealias RedisReplyContinuation = UnsafeContinuation<Result<RedisReply, KVError>, Never>

/// One caller's wait for one reply, completed exactly once by whichever comes first: the I/O thread (reply,
/// error, its own deadline check) or the connection's deadline guard (the I/O thread is late).
///
/// The guard is what lets a caller wait at most its deadline plus a few milliseconds even while the I/O
/// thread is stalled (see ``RedisDeadlineGuard``); the atomic claim is what makes the race harmless.
///
/// The caller may spin for a few microseconds before it suspends (``wait(spinningFor:)``): on loopback or
/// in one data centre a reply often arrives in less time than a suspension and a resumption on another
/// pool thread take, and a result found while spinning is returned without any thread hop.
final class RedisReplySlot: Sendable {
    private enum State {
        case waiting
        case completed(Result<RedisReply, KVError>)
        case suspended(RedisReplyContinuation)
        case consumed
    }

    /// When the caller stops waiting.
    let deadline: ContinuousClock.Instant
    private let claimed = Atomic<Bool>(false)
    private let state = Mutex<State>(.waiting)

    init(deadline: ContinuousClock.Instant) {
        self.deadline = deadline
    }

    /// Whether the slot has been completed.
    var isResumed: Bool { claimed.load(ordering: .acquiring) }

    /// Completes the slot unless someone already did; returns whether this call did.
    @discardableResult
    func resume(_ result: Result<RedisReply, KVError>) -> Bool {
        guard !claimed.exchange(true, ordering: .acquiringAndReleasing) else { return false }
        let continuation: RedisReplyContinuation? = state.withLock { state in
            switch state {
            case .waiting:
                state = .completed(result)
                return nil
            case .suspended(let continuation):
                state = .consumed
                return continuation
            case .completed, .consumed:
                return nil
            }
        }
        continuation?.resume(returning: result)
        return true
    }

    /// Waits for the result: spinning up to `spin` first (when given), then suspended. Returns whether the
    /// spin caught the result, so the caller can stop spinning where it does not pay (a loaded machine).
    nonisolated(nonsending) func wait(spinningFor spin: Duration?) async -> (result: Result<RedisReply, KVError>, caughtSpinning: Bool) {
        if let ready = resultAfterSpinning(for: spin) { return (ready, spin != nil) }
        let result = await withUnsafeContinuation { (continuation: RedisReplyContinuation) in
            if let ready = suspendOrTake(continuation) { continuation.resume(returning: ready) }
        }
        return (result, false)
    }

    /// Spins up to `spin` (when given) for the result, then takes it if it is there (synchronous, so the
    /// wait's only async part is the suspension).
    private func resultAfterSpinning(for spin: Duration?) -> Result<RedisReply, KVError>? {
        if let spin {
            let clock = ContinuousClock()
            let end = clock.now + spin
            var rounds = 0
            while !claimed.load(ordering: .acquiring) {
                // Yielding, not burning: on an oversubscribed machine the thread that will answer (the I/O
                // thread) may be waiting for this very core.
                sched_yield()
                rounds &+= 1
                if rounds & 7 == 0, clock.now >= end { break }
            }
        }
        return state.withLock { state in
            guard case .completed(let result) = state else { return nil }
            state = .consumed
            return result
        }
    }

    /// Parks `continuation` for ``resume(_:)``, or returns the result when it has arrived meanwhile.
    private func suspendOrTake(_ continuation: RedisReplyContinuation) -> Result<RedisReply, KVError>? {
        state.withLock { state in
            switch state {
            case .completed(let result):
                state = .consumed
                return result
            case .waiting:
                state = .suspended(continuation)
                return nil
            case .suspended, .consumed:
                return nil
            }
        }
    }
}
