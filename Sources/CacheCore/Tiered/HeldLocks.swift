import Synchronization

/// The cross-instance locks (``KVLocking``) this cache holds right now.
///
/// A holder releases its lock in the background once its answer is stored. When the store is replaced
/// (the plan's rollback) or the cache shuts down first, that release would reach a store already shut
/// down and fail, and the lock would outlive its holder until its TTL: every other instance that missed
/// the key meanwhile waited for an answer that could not come, up to its whole KV deadline (2 s waits
/// measured in `rest-rollback` after the configuration was restored). Releasing what is held before the
/// store goes ends those waits: the others take the lock and compute.
final class HeldLocks: Sendable {
    /// One held lock: where it was taken, its key and its owner token.
    struct Lock: Sendable {
        let store: any KVLocking
        let key: String
        let token: String
    }

    private let locks = Mutex<[String: Lock]>([:])

    /// Records a lock just taken.
    func insert(_ lock: Lock) {
        locks.withLock { $0[lock.token] = lock }
    }

    /// Forgets the lock with `token` (its holder is releasing it).
    func remove(token: String) {
        _ = locks.withLock { $0.removeValue(forKey: token) }
    }

    /// Every lock held, forgotten here: the caller releases them.
    func takeAll() -> [Lock] {
        locks.withLock { locks in
            defer { locks.removeAll() }
            return Array(locks.values)
        }
    }
}
