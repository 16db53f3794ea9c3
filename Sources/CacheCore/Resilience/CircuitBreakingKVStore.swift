/// A ``KVStore`` that asks a ``CircuitBreaker`` before every call to the store it wraps, and tells it how
/// the call ended. ``TieredCache`` wraps every store it is given in one, so each backend (Redis, REST,
/// Cluster) gets the same fail-fast behaviour without knowing about it.
final class CircuitBreakingKVStore: KVStore {
    let wrapped: any KVStore
    let breaker: CircuitBreaker

    init(wrapping store: any KVStore, breaker: CircuitBreaker) {
        self.wrapped = store
        self.breaker = breaker
    }

    var backendName: String { wrapped.backendName }
    var preferredTaskExecutor: (any TaskExecutor)? { wrapped.preferredTaskExecutor }

    func get(_ key: String, maximumBytes: Int, verify: KVReplyCheck?, deadline: ContinuousClock.Instant) async throws(KVError) -> [UInt8]? {
        try await guarded { () async throws(KVError) in
            try await wrapped.get(key, maximumBytes: maximumBytes, verify: verify, deadline: deadline)
        }
    }

    func set(_ key: String, value: [UInt8], ttl: Duration?, deadline: ContinuousClock.Instant) async throws(KVError) {
        try await guarded { () async throws(KVError) in
            try await wrapped.set(key, value: value, ttl: ttl, deadline: deadline)
        }
    }

    func delete(_ keys: [[UInt8]], deadline: ContinuousClock.Instant) async throws(KVError) -> Int {
        try await guarded { () async throws(KVError) in
            try await wrapped.delete(keys, deadline: deadline)
        }
    }

    func scan(cursor: UInt64, match pattern: String, count: Int, deadline: ContinuousClock.Instant) async throws(KVError) -> KVScanPage {
        try await guarded { () async throws(KVError) in
            try await wrapped.scan(cursor: cursor, match: pattern, count: count, deadline: deadline)
        }
    }

    func ping(deadline: ContinuousClock.Instant) async throws(KVError) {
        try await guarded { () async throws(KVError) in
            try await wrapped.ping(deadline: deadline)
        }
    }

    func shutdown() async {
        await wrapped.shutdown()
    }

    func guarded<T>(_ call: () async throws(KVError) -> T) async throws(KVError) -> T {
        let ticket: CircuitBreaker.Ticket
        switch breaker.admit() {
        case .success(let admitted): ticket = admitted
        case .failure(let refusal): throw refusal
        }
        do {
            let result = try await call()
            breaker.finish(ticket, outcome: .success)
            return result
        } catch {
            breaker.finish(ticket, error: error)
            throw error
        }
    }
}
