import CacheCore

/// Locks for cross-instance single-flight, on the same pipelined connections as every other command.
extension RedisStore: KVLocking {
    /// `EVAL` of ``KVLockScript/acquire`` (`SET key token NX PX ttl`, taking over a value without expiry): 1 takes the lock, 0 means another token holds it.
    public func acquireLock(_ key: String, token: String, ttl: Duration, deadline: ContinuousClock.Instant) async throws(KVError) -> Bool {
        let command = RedisCommand(
            ["EVAL", KVLockScript.acquire, "1", key, token, String(KVLockScript.milliseconds(ttl))], expecting: .integer)
        return try await execute(command, deadline: deadline) == .integer(1)
    }

    /// `EVAL` of ``KVLockScript/compareAndDelete``: deletes the lock only while it holds `token`.
    public func releaseLock(_ key: String, token: String, deadline: ContinuousClock.Instant) async throws(KVError) -> Bool {
        let command = RedisCommand(["EVAL", KVLockScript.compareAndDelete, "1", key, token], expecting: .integer)
        return try await execute(command, deadline: deadline) == .integer(1)
    }
}
