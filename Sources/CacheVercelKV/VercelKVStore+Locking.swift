import CacheCore
import UpstashREST

/// Locks for cross-instance single-flight over the REST API: Upstash runs `SET … NX PX` and `EVAL` like
/// Redis does (and the bridge passes them to its redis-server).
extension VercelKVStore: KVLocking {
    /// `EVAL` of ``KVLockScript/acquire`` (`SET key token NX PX ttl`, taking over a value without expiry): 1 takes
    /// the lock, 0 means another token holds it. A read-only
    /// token cannot take locks: ``KVError/Code/unavailable``, and the cache computes locally.
    public func acquireLock(_ key: String, token: String, ttl: Duration, deadline: ContinuousClock.Instant) async throws(KVError) -> Bool {
        if endpoint.readOnly { throw KVError(.unavailable, "a read-only token cannot take locks") }
        let result = try await run(
            RESTCommand(["EVAL", KVLockScript.acquire, "1", key, token, String(KVLockScript.milliseconds(ttl))]), deadline: deadline)
        guard let taken = result.integerValue else { throw KVError(.protocolError, "EVAL did not answer an integer") }
        return taken == 1
    }

    /// `EVAL` of ``KVLockScript/compareAndDelete``: deletes the lock only while it holds `token`.
    public func releaseLock(_ key: String, token: String, deadline: ContinuousClock.Instant) async throws(KVError) -> Bool {
        if endpoint.readOnly { throw KVError(.unavailable, "a read-only token cannot release locks") }
        let result = try await run(RESTCommand(["EVAL", KVLockScript.compareAndDelete, "1", key, token]), deadline: deadline)
        guard let deleted = result.integerValue else { throw KVError(.protocolError, "EVAL did not answer an integer") }
        return deleted == 1
    }
}
