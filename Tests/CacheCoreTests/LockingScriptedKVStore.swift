import CacheCore
import Synchronization

/// A ``ScriptedKVStore`` that can also hold locks, in process, with a scripted lock failure: for the
/// cache's own decisions around locks. Real lock semantics are tested against redis-server (CacheRedisTests).
final class LockingScriptedKVStore: KVLocking {
    let base = ScriptedKVStore()
    private let locks = Mutex<[String: String]>([:])
    private let lockFailure = Mutex<KVError?>(nil)
    var backendName: String { base.backendName }

    /// Makes lock calls fail with `error` (`nil`: stop failing).
    func failLocks(with error: KVError?) { lockFailure.withLock { $0 = error } }
    /// The token holding `key`, if any.
    func holder(of key: String) -> String? { locks.withLock { $0[key] } }

    func acquireLock(_ key: String, token: String, ttl: Duration, deadline: ContinuousClock.Instant) async throws(KVError) -> Bool {
        if let error = lockFailure.withLock({ $0 }) { throw error }
        return locks.withLock { locks in
            guard locks[key] == nil else { return false }
            locks[key] = token
            return true
        }
    }

    func releaseLock(_ key: String, token: String, deadline: ContinuousClock.Instant) async throws(KVError) -> Bool {
        if let error = lockFailure.withLock({ $0 }) { throw error }
        return locks.withLock { locks in
            guard locks[key] == token else { return false }
            locks[key] = nil
            return true
        }
    }

    func get(_ key: String, maximumBytes: Int, verify: KVReplyCheck?, deadline: ContinuousClock.Instant) async throws(KVError) -> [UInt8]? {
        try await base.get(key, maximumBytes: maximumBytes, verify: verify, deadline: deadline)
    }
    func set(_ key: String, value: [UInt8], ttl: Duration?, deadline: ContinuousClock.Instant) async throws(KVError) {
        try await base.set(key, value: value, ttl: ttl, deadline: deadline)
    }
    func delete(_ keys: [[UInt8]], deadline: ContinuousClock.Instant) async throws(KVError) -> Int {
        try await base.delete(keys, deadline: deadline)
    }
    func scan(cursor: UInt64, match pattern: String, count: Int, deadline: ContinuousClock.Instant) async throws(KVError) -> KVScanPage {
        try await base.scan(cursor: cursor, match: pattern, count: count, deadline: deadline)
    }
    func ping(deadline: ContinuousClock.Instant) async throws(KVError) { try await base.ping(deadline: deadline) }
    func shutdown() async { await base.shutdown() }
}
