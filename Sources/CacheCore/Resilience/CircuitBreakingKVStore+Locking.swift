/// The breaker guards lock calls like every other KV call: while it is open, taking a lock fails at once
/// (`circuit_open`) and the instance computes locally instead of waiting for the deadline.
extension CircuitBreakingKVStore: KVLocking {
    /// Whether the wrapped store can hold locks (the wrapper itself always conforms).
    var supportsLocking: Bool { wrapped is any KVLocking }

    func acquireLock(_ key: String, token: String, ttl: Duration, deadline: ContinuousClock.Instant) async throws(KVError) -> Bool {
        guard let locking = wrapped as? any KVLocking else { throw Self.lockingUnsupported }
        return try await guarded { () async throws(KVError) in
            try await locking.acquireLock(key, token: token, ttl: ttl, deadline: deadline)
        }
    }

    func releaseLock(_ key: String, token: String, deadline: ContinuousClock.Instant) async throws(KVError) -> Bool {
        guard let locking = wrapped as? any KVLocking else { throw Self.lockingUnsupported }
        return try await guarded { () async throws(KVError) in
            try await locking.releaseLock(key, token: token, deadline: deadline)
        }
    }

    private static var lockingUnsupported: KVError {
        KVError(.unavailable, "the KV store cannot hold locks")
    }
}
