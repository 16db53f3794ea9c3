import CacheCore
import Synchronization
import UpstashREST

/// Where one caller waits for its command's result: resolved exactly once, by the response that carried
/// it or by the caller's deadline, whichever comes first.
final class ReplySlot: Sendable {
    typealias Reply = Result<JSONValue, KVError>

    private enum State {
        case pending
        case waiting(CheckedContinuation<Reply, Never>)
        case resolved(Reply)
        case delivered
    }

    private let state = Mutex(State.pending)

    /// Whether a result has been set (the caller may not have taken it yet).
    var isResolved: Bool {
        state.withLock { state in
            switch state {
            case .pending, .waiting: return false
            case .resolved, .delivered: return true
            }
        }
    }

    /// Sets the result unless one was set already; returns whether this call set it.
    @discardableResult
    func resolve(_ reply: Reply) -> Bool {
        let continuation: CheckedContinuation<Reply, Never>? = state.withLock { state in
            switch state {
            case .pending:
                state = .resolved(reply)
                return nil
            case .waiting(let continuation):
                state = .delivered
                return continuation
            case .resolved, .delivered:
                return nil
            }
        }
        continuation?.resume(returning: reply)
        return continuation != nil
    }

    /// Waits for the result.
    func wait() async -> Reply {
        await withCheckedContinuation { (continuation: CheckedContinuation<Reply, Never>) in
            let ready: Reply? = state.withLock { state in
                if case .resolved(let reply) = state {
                    state = .delivered
                    return reply
                }
                state = .waiting(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
