import CacheCore

/// Cross-instance single-flight on a cluster: the lock key carries the entry's hash tag (``KVLockKey``), so
/// `SET NX PX` and the compare-and-delete `EVAL` go to the primary of the entry's own slot.
extension RedisClusterStore: KVLocking {
    /// Takes the lock `key` for `ttl` if nobody holds it (``KVLockScript/acquire`` on the slot's primary).
    public func acquireLock(_ key: String, token: String, ttl: Duration, deadline: ContinuousClock.Instant) async throws(KVError) -> Bool {
        let command = RedisCommand(
            ["EVAL", KVLockScript.acquire, "1", key, token, String(KVLockScript.milliseconds(ttl))], expecting: .integer)
        return try await execute(command, slot: ClusterSlot(key: key), deadline: deadline) == .integer(1)
    }

    /// Releases the lock `key` only if `token` still holds it (``KVLockScript/compareAndDelete``).
    public func releaseLock(_ key: String, token: String, deadline: ContinuousClock.Instant) async throws(KVError) -> Bool {
        let command = RedisCommand(["EVAL", KVLockScript.compareAndDelete, "1", key, token], expecting: .integer)
        return try await execute(command, slot: ClusterSlot(key: key), deadline: deadline) == .integer(1)
    }
}

/// The detecting store locks through whichever store serves it (one node or the cluster); both can.
extension RedisClusterDetectingStore: KVLocking {
    /// Takes the lock through the current store (see ``KVLocking/acquireLock(_:token:ttl:deadline:)``).
    public func acquireLock(_ key: String, token: String, ttl: Duration, deadline: ContinuousClock.Instant) async throws(KVError) -> Bool {
        try await runLocking { (store: any KVLocking) throws(KVError) in
            try await store.acquireLock(key, token: token, ttl: ttl, deadline: deadline)
        }
    }

    /// Releases the lock through the current store (see ``KVLocking/releaseLock(_:token:deadline:)``).
    public func releaseLock(_ key: String, token: String, deadline: ContinuousClock.Instant) async throws(KVError) -> Bool {
        try await runLocking { (store: any KVLocking) throws(KVError) in
            try await store.releaseLock(key, token: token, deadline: deadline)
        }
    }
}
