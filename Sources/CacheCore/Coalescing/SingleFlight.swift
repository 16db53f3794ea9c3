import Synchronization

/// Runs at most one operation per key at a time inside one process: callers that ask for a key while its
/// operation runs wait for that operation's result (or error) instead of starting their own.
///
/// This is what keeps N concurrent first requests for one question from making N LLM calls. The operation
/// runs in its own task, so a caller that is cancelled stops waiting (with `CancellationError`) without
/// cancelling the work the other callers wait for. Each waiter gets the outcome once; nothing is retried.
final class SingleFlight<Value: Sendable>: Sendable {
    /// How a caller got its value.
    enum Role: Sendable, Equatable {
        /// This caller's request started the operation.
        case leader
        /// Another caller's operation was already running; this caller shared its outcome.
        case follower
    }

    private struct Flight {
        var waiters: [UInt64: CheckedContinuation<Value, any Error>] = [:]
    }

    private struct State {
        var flights: [String: Flight] = [:]
        var nextWaiter: UInt64 = 0
        /// Waiters cancelled before their continuation was registered.
        var cancelledEarly: Set<UInt64> = []
    }

    private let state = Mutex(State())

    init() {}

    /// How many keys have an operation running now.
    var inFlight: Int { state.withLock { $0.flights.count } }

    /// How many callers wait for `key`'s operation now (the leader included).
    func waiters(for key: String) -> Int { state.withLock { $0.flights[key]?.waiters.count ?? 0 } }

    /// Returns the outcome of `operation` for `key`, started now unless one is already running.
    func run(
        _ key: String,
        operation: @escaping @Sendable () async throws -> Value
    ) async throws -> (value: Value, role: Role) {
        let waiter = state.withLock { state -> UInt64 in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        let isLeader = Mutex(false)
        let value = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
                // Registering and deciding who leads happen under one lock, before the operation starts, so
                // no outcome can be delivered before every waiter is in place.
                let role = state.withLock { state -> Role? in
                    if state.cancelledEarly.remove(waiter) != nil { return nil }
                    if state.flights[key] == nil {
                        state.flights[key] = Flight(waiters: [waiter: continuation])
                        return .leader
                    }
                    state.flights[key]!.waiters[waiter] = continuation
                    return .follower
                }
                switch role {
                case nil:
                    continuation.resume(throwing: CancellationError())
                case .follower?:
                    break
                case .leader?:
                    isLeader.withLock { $0 = true }
                    Task { [self] in
                        let outcome: Result<Value, any Error>
                        do { outcome = .success(try await operation()) } catch { outcome = .failure(error) }
                        let waiters = state.withLock { $0.flights.removeValue(forKey: key)?.waiters ?? [:] }
                        for continuation in waiters.values { continuation.resume(with: outcome) }
                    }
                }
            }
        } onCancel: {
            let continuation = state.withLock { state -> CheckedContinuation<Value, any Error>? in
                if let continuation = state.flights[key]?.waiters.removeValue(forKey: waiter) { return continuation }
                state.cancelledEarly.insert(waiter)
                return nil
            }
            continuation?.resume(throwing: CancellationError())
        }
        return (value, isLeader.withLock { $0 } ? .leader : .follower)
    }
}
