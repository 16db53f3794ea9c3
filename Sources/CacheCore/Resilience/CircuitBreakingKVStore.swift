import Synchronization

/// A ``KVStore`` that asks a ``CircuitBreaker`` before every call to the store it wraps, and tells it how
/// the call ended. ``TieredCache`` wraps every store it is given in one, so each backend (Redis, REST,
/// Cluster) gets the same fail-fast behaviour without knowing about it.
///
/// A call made while the tier is healthy goes straight to the wrapped store. A call made while it is
/// suspect (it failed since it last answered) runs in a child task the caller waits for, so the breaker can
/// release the caller with `circuit_open` the moment it opens; the abandoned call still ends by its own
/// deadline.
final class CircuitBreakingKVStore: KVStore {
    let wrapped: any KVStore
    let breaker: CircuitBreaker
    /// The wrapped store as a ``KVNodeRouting`` (cast once): while it routes across nodes, the breaker stands aside.
    private let nodeRouting: (any KVNodeRouting)?

    init(wrapping store: any KVStore, breaker: CircuitBreaker) {
        self.wrapped = store
        self.breaker = breaker
        self.nodeRouting = store as? any KVNodeRouting
    }

    var backendName: String { wrapped.backendName }
    var preferredTaskExecutor: (any TaskExecutor)? { wrapped.preferredTaskExecutor }

    /// ``guarded(_:)`` written out for the read every lookup makes: a healthy tier's read then needs no
    /// closure context and no async frame of its own (a third of the CPU TieredCache added to a KV hit
    /// went to such frames and their allocations).
    func get(_ key: String, maximumBytes: Int, verify: KVReplyCheck?, deadline: ContinuousClock.Instant) async throws(KVError) -> [UInt8]? {
        if let nodeRouting, nodeRouting.routesAcrossNodes {
            return try await wrapped.get(key, maximumBytes: maximumBytes, verify: verify, deadline: deadline)
        }
        let ticket = try admission()
        if ticket.isSuspect {
            return try await releasable({ @Sendable () async throws(KVError) in
                try await self.wrapped.get(key, maximumBytes: maximumBytes, verify: verify, deadline: deadline)
            }, ticket: ticket).get()
        }
        do throws(KVError) {
            let value = try await wrapped.get(key, maximumBytes: maximumBytes, verify: verify, deadline: deadline)
            breaker.finish(ticket, outcome: .success)
            return value
        } catch {
            breaker.finish(ticket, error: error)
            throw error
        }
    }

    func set(_ key: String, value: [UInt8], ttl: Duration?, deadline: ContinuousClock.Instant) async throws(KVError) {
        try await guarded { @Sendable () async throws(KVError) in
            try await self.wrapped.set(key, value: value, ttl: ttl, deadline: deadline)
        }
    }

    func delete(_ keys: [[UInt8]], deadline: ContinuousClock.Instant) async throws(KVError) -> Int {
        try await guarded { @Sendable () async throws(KVError) in
            try await self.wrapped.delete(keys, deadline: deadline)
        }
    }

    func scan(cursor: UInt64, match pattern: String, count: Int, deadline: ContinuousClock.Instant) async throws(KVError) -> KVScanPage {
        try await guarded { @Sendable () async throws(KVError) in
            try await self.wrapped.scan(cursor: cursor, match: pattern, count: count, deadline: deadline)
        }
    }

    func ping(deadline: ContinuousClock.Instant) async throws(KVError) {
        try await guarded { @Sendable () async throws(KVError) in
            try await self.wrapped.ping(deadline: deadline)
        }
    }

    func shutdown() async {
        breaker.stop()
        await wrapped.shutdown()
    }

    /// The breaker's probe: a `PING` within `deadline`. A store that refuses at once because it is between
    /// reconnection attempts (Redis fails fast while reconnecting) is asked again every 25 ms for up to
    /// `reconnectWait` (each `PING` still within the probe's own timeout): the tier may be back, and a probe
    /// failed only by the client's own reconnect backoff reopened the breaker for another cool-down, so the
    /// cache kept falling back after the store had reconnected (the cause of the slow recoveries seen in
    /// `kv-failing`, and of `server-faults`' connect-fast-again phase ending before any KV hit). Polling a
    /// store that refuses at once costs no network round trip, and no request waits on the probe.
    static func probe(
        _ store: any KVStore, deadline: ContinuousClock.Instant, reconnectWait: Duration = .seconds(2)
    ) async -> CircuitBreakerStateMachine.Outcome {
        let retryInterval = Duration.milliseconds(25)
        let attemptTimeout = max(deadline - ContinuousClock.now, retryInterval)
        let refusedUntil = max(deadline, ContinuousClock.now + reconnectWait)
        while true {
            do throws(KVError) {
                try await store.ping(deadline: min(ContinuousClock.now + attemptTimeout, refusedUntil))
                return .success
            } catch {
                let refusedAtOnce = error.code == .connectionRefused && ContinuousClock.now + retryInterval < refusedUntil
                guard refusedAtOnce, (try? await Task.sleep(for: retryInterval)) != nil else {
                    return CircuitBreaker.outcome(of: error)
                }
            }
        }
    }

    func guarded<T: Sendable>(_ call: @escaping @Sendable () async throws(KVError) -> T) async throws(KVError) -> T {
        if let nodeRouting, nodeRouting.routesAcrossNodes { return try await call() }
        let ticket = try admission()
        if ticket.isSuspect { return try await releasable(call, ticket: ticket).get() }
        do {
            let result = try await call()
            breaker.finish(ticket, outcome: .success)
            return result
        } catch {
            breaker.finish(ticket, error: error)
            throw error
        }
    }

    /// The breaker's ticket for a call starting now, or its refusal thrown.
    private func admission() throws(KVError) -> CircuitBreaker.Ticket {
        switch breaker.admit() {
        case .success(let ticket): return ticket
        case .failure(let refusal): throw refusal
        }
    }

    /// Runs `call` in a child task and waits for it, unless the breaker opens first and releases the wait.
    private func releasable<T: Sendable>(
        _ call: @escaping @Sendable () async throws(KVError) -> T, ticket: CircuitBreaker.Ticket
    ) async -> Result<T, KVError> {
        let breaker = breaker
        let executor = wrapped.preferredTaskExecutor
        return await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, KVError>, Never>) in
            let waiter = ResumeOnce(continuation)
            guard let id = breaker.register(release: {
                waiter.resume(.failure(KVError(.circuitOpen, "the circuit breaker opened while the call waited")))
            }) else {
                waiter.resume(.failure(KVError(.circuitOpen, "the circuit breaker opened before the call was sent")))
                return
            }
            Task(executorPreference: executor) {
                let result: Result<T, KVError>
                do throws(KVError) {
                    result = .success(try await call())
                } catch {
                    result = .failure(error)
                }
                // Unregistered first: a failure that opens the breaker must reach this caller as itself.
                breaker.unregister(id)
                switch result {
                case .success: breaker.finish(ticket, outcome: .success)
                case .failure(let error): breaker.finish(ticket, error: error)
                }
                waiter.resume(result)
            }
        }
    }
}

