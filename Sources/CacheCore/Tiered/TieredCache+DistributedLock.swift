import Logging

/// Cross-instance single-flight (issue 12, item 2): one origin call per question across every instance
/// that shares the KV tier.
///
/// The instance that runs a key's computation (the leader of its in-process single-flight) takes a lock
/// in the KV tier (`SET <lock key> <token> NX PX <ttl>`, see ``KVLocking``) before calling the origin.
/// When another instance holds it, this one waits for that instance's answer by polling the entry with
/// a doubling backoff (``DistributedLockPolicy``), retrying the lock each round so that a holder that
/// died is replaced once its lock expires. Whatever goes wrong — no lock-capable store, the lookup's KV
/// read failed, the lock command fails or the breaker refuses it, the wait passes its limit — the
/// instance computes itself, as it did before locks existed: never worse than today.
///
/// Polling, not pub/sub: the wait lasts one origin call, polls cost one `GET` and one `SET NX` each (on
/// Redis and on REST alike, where a subscription would be a server-sent event stream per instance), and
/// an instance needs no extra connection that could itself fail.
///
/// The holder answers its callers as soon as `compute` returns; in the background it waits for the
/// answer's KV write (bounded by the KV deadline) so waiters find it, then releases the lock with the
/// owner-only compare-and-delete.
///
/// Logs: `cache_lock_acquired` (debug), `cache_lock_answered_by_other` (debug), `cache_lock_fallback`
/// (debug; `reason` = `kv_failed`, `kv_slow`, `lock_failed`, `wait_expired`), `cache_lock_release_failed` (debug), `cache_locks_released` (debug: locks let go before their store is replaced or shut down).
extension TieredCache {
    private enum LockAttempt {
        case acquired
        case held
        case failed
    }

    /// Runs `compute` for `cacheKey` once across instances when the KV tier allows it; stores the answer.
    ///
    /// `kvFailed` says the lookup that missed could not read the KV tier: it is not asked again.
    /// `kvTimeSpent` is what the lookup already spent in the KV tier: the lock and the polls get only the
    /// rest of ``CacheConfiguration/kvDeadline``, so a request never spends more than the deadline in KV
    /// calls (time spent waiting for another instance's origin call is not KV time); once it is used up the
    /// instance computes itself (`kv_slow`).
    func computeOnce(
        _ cacheKey: CacheKey, key: String, ttl: Duration?, staleWindow: Duration?, kvFailed: Bool,
        kvTimeSpent: Duration = .zero, compute: @escaping @Sendable () async throws -> CacheEntry
    ) async throws -> FlightAnswer {
        // A computation of this key may have ended between this caller's lookup and its joining the
        // flight: its answer is in memory already.
        // Not when memory-first memory is untrusted (the backplane is down): the copy may be one another
        // instance invalidated, which is why the lookup went to KV and missed.
        let now = ContinuousClock.now
        if memoryUsable(afterKVMiss: true, now: now), let read = memory.read(cacheKey.normalized, now: now), !read.isStale(at: now) {
            return FlightAnswer(entry: read.entry, origin: .memory)
        }
        let policy = configuration.distributedLock
        guard policy.isEnabled, let store = currentStore, let locking = lockingStore(store) else {
            return try await computeLocally(key, ttl: ttl, staleWindow: staleWindow, compute: compute)
        }
        guard !kvFailed else {
            return try await computeWithoutLock(key, cacheKey, reason: "kv_failed", ttl: ttl, staleWindow: staleWindow, compute: compute)
        }
        let lockKey = KVLockKey.make(for: cacheKey.backendKey, namespace: configuration.namespace)
        let token = Self.lockToken()
        var kvTimeLeft = configuration.kvDeadline - kvTimeSpent
        // A waiter waits at most what is left of the KV deadline (and the policy's wait limit): the cache's
        // own time stays within the deadline even when the holder's answer never lands (its primary killed
        // in a failover, a foreign writer rewrote its lock), which otherwise cost waiters up to the lock's
        // TTL (4.2 s in cluster-failover, 2.4 s in foreign-writers); past it, the waiter computes itself.
        let waitEnds = ContinuousClock.now + min(policy.waitLimit, max(kvTimeLeft, .zero))
        var pause = policy.initialPollInterval
        var attempts = 0
        while true {
            guard kvTimeLeft > .zero else {
                return try await computeWithoutLock(key, cacheKey, reason: "kv_slow", ttl: ttl, staleWindow: staleWindow, compute: compute)
            }
            let lockStarted = ContinuousClock.now
            // A retry after a poll is part of the wait, so it ends by `waitEnds` as well.
            let lockLimit = attempts == 0 ? kvTimeLeft : min(kvTimeLeft, waitEnds - lockStarted)
            guard lockLimit > .zero else {
                return try await computeWithoutLock(key, cacheKey, reason: "wait_expired", ttl: ttl, staleWindow: staleWindow, compute: compute)
            }
            attempts += 1
            let attempt = await tryLock(locking, lockKey: lockKey, token: token, ttl: policy.ttl, key: cacheKey, within: lockLimit)
            kvTimeLeft -= ContinuousClock.now - lockStarted
            switch attempt {
            case .failed:
                return try await computeWithoutLock(key, cacheKey, reason: "lock_failed", ttl: ttl, staleWindow: staleWindow, compute: compute)
            case .acquired:
                heldLocks.insert(HeldLocks.Lock(store: locking, key: lockKey, token: token))
                return try await computeHoldingLock(
                    cacheKey, key: key, lock: (locking, lockKey, token), kvTimeLeft: kvTimeLeft, ttl: ttl, staleWindow: staleWindow,
                    compute: compute)
            case .held:
                let left = waitEnds - ContinuousClock.now
                guard left > .zero else {
                    return try await computeWithoutLock(
                        key, cacheKey, reason: "wait_expired", ttl: ttl, staleWindow: staleWindow, compute: compute)
                }
                try? await Task.sleep(for: min(pause, left))
                pause = min(pause * 2, policy.maximumPollInterval)
                // The poll ends by `waitEnds` too: sleeps and reads together stay within what was left of the
                // deadline when the wait began. A poll that could run past it (a fault that began while this
                // instance waited) made a waiter spend its pauses plus a whole read's deadline: 476–526 ms in
                // `rest-failing` (300 ms deadline) behind a lock whose holder's release had failed.
                let readLimit = min(kvTimeLeft, waitEnds - ContinuousClock.now)
                guard readLimit > .zero else {
                    return try await computeWithoutLock(
                        key, cacheKey, reason: "wait_expired", ttl: ttl, staleWindow: staleWindow, compute: compute)
                }
                let readStarted = ContinuousClock.now
                let read = await readFromKV(cacheKey, store: store, epoch: invalidations.epoch, within: readLimit)
                kvTimeLeft -= ContinuousClock.now - readStarted
                switch read {
                case .hit(let entry, _):
                    statisticsRecorder.recordLockOutcome("answered_by_other")
                    logger.debug("cache_lock_answered_by_other", metadata: ["key": "\(Self.loggable(cacheKey.normalized))"])
                    return FlightAnswer(entry: entry, origin: .kv)
                case .failed:
                    return try await computeWithoutLock(
                        key, cacheKey, reason: "kv_failed", ttl: ttl, staleWindow: staleWindow, compute: compute)
                case .miss, .stale:
                    continue
                }
            }
        }
    }

    /// `store` as a lock-capable store, or `nil`. Asked per computation rather than once at init,
    /// because ``replaceKVStore(_:)`` can swap the store; a dynamic cast per miss is noise beside it.
    func lockingStore(_ store: any KVStore) -> (any KVLocking)? {
        if let breaking = store as? CircuitBreakingKVStore { return breaking.supportsLocking ? breaking : nil }
        return store as? any KVLocking
    }

    private func computeLocally(
        _ key: String, ttl: Duration?, staleWindow: Duration?, compute: @escaping @Sendable () async throws -> CacheEntry
    ) async throws -> FlightAnswer {
        let entry = try await compute()
        await set(key, entry, ttl: ttl, staleWindow: staleWindow)
        return FlightAnswer(entry: entry, origin: .computed)
    }

    private func computeWithoutLock(
        _ key: String, _ cacheKey: CacheKey, reason: String, ttl: Duration?, staleWindow: Duration?,
        compute: @escaping @Sendable () async throws -> CacheEntry
    ) async throws -> FlightAnswer {
        statisticsRecorder.recordLockOutcome("local_" + reason)
        logger.debug("cache_lock_fallback", metadata: ["key": "\(Self.loggable(cacheKey.normalized))", "reason": "\(reason)"])
        return try await computeLocally(key, ttl: ttl, staleWindow: staleWindow, compute: compute)
    }

    private func computeHoldingLock(
        _ cacheKey: CacheKey, key: String, lock: (store: any KVLocking, key: String, token: String), kvTimeLeft: Duration,
        ttl: Duration?, staleWindow: Duration?, compute: @escaping @Sendable () async throws -> CacheEntry
    ) async throws -> FlightAnswer {
        // The previous holder may have stored its answer and released the lock just after this
        // instance's lookup missed: look once more before paying for the origin (if KV time is left).
        if kvTimeLeft > .zero,
           case .hit(let entry, _) = await readFromKV(cacheKey, store: lock.store, epoch: invalidations.epoch, within: kvTimeLeft) {
            statisticsRecorder.recordLockOutcome("answered_by_other")
            releaseInBackground(lock.store, lockKey: lock.key, token: lock.token, key: cacheKey, afterWrites: false)
            return FlightAnswer(entry: entry, origin: .kv)
        }
        statisticsRecorder.recordLockOutcome("acquired")
        logger.debug("cache_lock_acquired", metadata: ["key": "\(Self.loggable(cacheKey.normalized))"])
        do {
            let answer = try await computeLocally(key, ttl: ttl, staleWindow: staleWindow, compute: compute)
            releaseInBackground(lock.store, lockKey: lock.key, token: lock.token, key: cacheKey, afterWrites: true)
            return answer
        } catch {
            releaseInBackground(lock.store, lockKey: lock.key, token: lock.token, key: cacheKey, afterWrites: false)
            throw error
        }
    }

    private func tryLock(
        _ store: any KVLocking, lockKey: String, token: String, ttl: Duration, key: CacheKey, within limit: Duration
    ) async -> LockAttempt {
        let started = ContinuousClock.now
        do throws(KVError) {
            let taken = try await store.acquireLock(lockKey, token: token, ttl: ttl, deadline: started + min(limit, configuration.kvDeadline))
            return taken ? .acquired : .held
        } catch {
            recordKVFailure(error, operation: .lock, key: key, started: started)
            return .failed
        }
    }

    /// Releases the lock without making the holder's caller wait: waiters poll the entry, not the lock.
    ///
    /// `afterWrites`: first wait for the KV writes started so far (this answer's among them, each bounded
    /// by the KV deadline), so the entry is in the KV tier before the lock goes and a waiter that retries
    /// the lock finds the answer instead of computing it again.
    private func releaseInBackground(_ store: any KVLocking, lockKey: String, token: String, key: CacheKey, afterWrites: Bool) {
        let kvDeadline = configuration.kvDeadline
        let logger = logger
        let writes = backgroundWrites
        let heldLocks = heldLocks
        Task {
            if afterWrites { _ = await writes.waitForWritesStartedBefore(deadline: .now + kvDeadline) }
            heldLocks.remove(token: token)
            let deadline = ContinuousClock.now + kvDeadline
            do throws(KVError) {
                _ = try await store.releaseLock(lockKey, token: token, deadline: deadline)
            } catch {
                // The lock expires by itself; nothing else to do.
                logger.debug("cache_lock_release_failed", metadata: [
                    "key": "\(Self.loggable(key.normalized))", "class": "\(error.code.name)",
                ])
            }
        }
    }

    /// Releases every lock this cache holds (each within the KV deadline, side by side) before their store
    /// is replaced or shut down: see ``HeldLocks``. A holder still computing then shares its key with
    /// whoever takes the lock next, which costs at most one more origin call; leaving the lock cost the
    /// others a whole KV deadline each.
    func releaseHeldLocks(reason: String) async {
        let locks = heldLocks.takeAll()
        guard !locks.isEmpty else { return }
        let deadline = ContinuousClock.now + configuration.kvDeadline
        let released = await withTaskGroup(of: Bool.self) { group in
            for lock in locks {
                group.addTask {
                    (try? await lock.store.releaseLock(lock.key, token: lock.token, deadline: deadline)) != nil
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        logger.debug("cache_locks_released", metadata: [
            "reason": "\(reason)", "held": "\(locks.count)", "released": "\(released)",
        ])
    }

    /// A fresh random owner token (128 bits): only its holder can release the lock.
    static func lockToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let high: UInt64 = generator.next()
        let low: UInt64 = generator.next()
        return String(high, radix: 16) + "-" + String(low, radix: 16)
    }
}
