import CacheCore
import Synchronization

/// How a caller waiting for a reply is resumed: with the reply, or with the classified failure.
typealias RedisReplyContinuation = UnsafeContinuation<Result<RedisReply, KVError>, Never>

/// One caller's wait for one reply, resumable exactly once by whichever comes first: the I/O thread (reply,
/// error, its own deadline check) or the connection's deadline guard (the I/O thread is late).
///
/// The guard is what lets a caller wait at most its deadline plus a few milliseconds even while the I/O
/// thread is stalled (see ``RedisDeadlineGuard``); the atomic claim is what makes the race harmless.
final class RedisReplySlot: Sendable {
    /// When the caller stops waiting.
    let deadline: ContinuousClock.Instant
    private let continuation: RedisReplyContinuation
    private let claimed = Atomic<Bool>(false)

    init(deadline: ContinuousClock.Instant, continuation: RedisReplyContinuation) {
        self.deadline = deadline
        self.continuation = continuation
    }

    /// Whether the caller has been resumed.
    var isResumed: Bool { claimed.load(ordering: .acquiring) }

    /// Resumes the caller unless someone already did; returns whether this call did.
    @discardableResult
    func resume(_ result: Result<RedisReply, KVError>) -> Bool {
        guard !claimed.exchange(true, ordering: .acquiringAndReleasing) else { return false }
        continuation.resume(returning: result)
        return true
    }
}
