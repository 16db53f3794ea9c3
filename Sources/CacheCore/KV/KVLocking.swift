/// A ``KVStore`` that can hold short, owned locks: the capability cross-instance single-flight needs
/// (issue 12). It refines ``KVStore`` instead of adding to it, so stores that do not adopt it compile and
/// behave as before: ``TieredCache`` then computes locally, as it always did.
///
/// The contract, on top of ``KVStore``'s (deadlines, classified ``KVError``s):
/// - ``acquireLock(_:token:ttl:deadline:)`` is `SET <key> <token> NX PX <ttl>`: it takes the lock only when
///   nobody holds it, and the lock disappears by itself after `ttl`, so a holder that crashes blocks the
///   others for at most `ttl`;
/// - ``releaseLock(_:token:deadline:)`` deletes the lock only while it still holds `token` (a
///   compare-and-delete run atomically on the server), so a holder whose lock expired and was taken by
///   another instance can never release that other instance's lock.
public protocol KVLocking: KVStore {
    /// Takes the lock at `key` for `ttl` with the caller's `token`; `false` when another token holds it.
    func acquireLock(_ key: String, token: String, ttl: Duration, deadline: ContinuousClock.Instant) async throws(KVError) -> Bool

    /// Deletes the lock at `key` if, and only if, it holds `token`; returns whether it did.
    func releaseLock(_ key: String, token: String, deadline: ContinuousClock.Instant) async throws(KVError) -> Bool
}

/// The Lua compare-and-delete every ``KVLocking`` store runs to release a lock: Redis runs a script
/// atomically, so no other command can take the lock between the comparison and the delete.
public enum KVLockScript {
    /// `KEYS[1]`: the lock key; `ARGV[1]`: the owner's token; `ARGV[2]`: the lock's TTL in milliseconds.
    /// Answers 1 when the lock is taken, 0 when another owner holds it. `SET NX PX`, except that a value
    /// without an expiry at the lock key is taken over: every lock the cache makes expires, so such a value
    /// was written by someone else (a foreign writer rewriting the namespace, seen in `foreign-writers`), and
    /// leaving it would make every miss of that key wait the whole wait limit, forever.
    public static let acquire =
        "if redis.call('set',KEYS[1],ARGV[1],'NX','PX',ARGV[2]) then return 1 end "
        + "if redis.call('pttl',KEYS[1])==-1 then redis.call('set',KEYS[1],ARGV[1],'PX',ARGV[2]) return 1 end return 0"

    /// `KEYS[1]`: the lock key; `ARGV[1]`: the owner's token. Answers 1 when deleted, 0 otherwise.
    public static let compareAndDelete =
        "if redis.call('get',KEYS[1])==ARGV[1] then return redis.call('del',KEYS[1]) else return 0 end"

    /// A TTL as whole milliseconds for `PX`, at least 1 (Redis refuses 0).
    public static func milliseconds(_ ttl: Duration) -> Int64 {
        let parts = ttl.components
        let (whole, overflow) = parts.seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return Int64.max / 2 }
        return max(1, whole + parts.attoseconds / 1_000_000_000_000_000)
    }
}
