@testable import CacheCore
import Logging
import Testing

/// The cache's decisions around the cross-instance lock (issue 12, item 2), on an in-process store; the
/// lock itself is tested against redis-server in CacheRedisTests.
@Suite("TieredCache distributed lock decisions")
struct TieredCacheDistributedLockTests {
    private let logger = Logger(label: "test")
    /// A wide KV deadline: the lock gets what the lookup left of it, and a machine running every suite at
    /// once can take seconds to schedule a lookup.
    private let wide = CacheConfiguration(kvDeadline: .seconds(15))

    @Test("the lock is taken through the circuit breaker, held while computing, and released after")
    func heldWhileComputing() async throws {
        let store = LockingScriptedKVStore()
        let cache = TieredCache(configuration: wide, kvStore: store, logger: logger)
        #expect(cache.lockingStore(cache.currentStore!) != nil, "the breaker forwards the capability")
        let lockKey = KVLockKey.make(for: "pcache:q", namespace: "pcache")
        let result = try await cache.getOrCompute("q") {
            #expect(store.holder(of: lockKey) != nil)
            return CacheEntry(text: "a", source: .kb)
        }
        #expect(result.origin == .computed && result.entry.text == "a")
        #expect(await eventually { store.holder(of: lockKey) == nil })
        #expect(store.base.raw("pcache:q") != nil, "the answer was in KV before the lock went")
        #expect(cache.statistics().distributedLockOutcomes == ["acquired": 1])
    }

    @Test("a lock call that fails means a local computation, never an error")
    func lockFailure() async throws {
        let store = LockingScriptedKVStore()
        store.failLocks(with: KVError(.serverError, "READONLY", serverErrorPrefix: "READONLY"))
        let cache = TieredCache(configuration: wide, kvStore: store, logger: logger)
        let result = try await cache.getOrCompute("q") { CacheEntry(text: "a", source: .kb) }
        #expect(result.origin == .computed && result.entry.text == "a")
        #expect(cache.statistics().distributedLockOutcomes == ["local_lock_failed": 1])
        #expect(cache.statistics().fallbacksByOperation["lock"] == 1)
    }

    @Test("a store without locks, or the policy off, computes as before without lock calls")
    func noLocking() async throws {
        let plain = TieredCache(kvStore: ScriptedKVStore(), logger: logger)
        #expect(plain.lockingStore(plain.currentStore!) == nil)
        _ = try await plain.getOrCompute("q") { CacheEntry(text: "a", source: .kb) }
        #expect(plain.statistics().distributedLockOutcomes.isEmpty)
        let store = LockingScriptedKVStore()
        let off = TieredCache(configuration: CacheConfiguration(distributedLock: .disabled), kvStore: store, logger: logger)
        _ = try await off.getOrCompute("q") { CacheEntry(text: "a", source: .kb) }
        #expect(off.statistics().distributedLockOutcomes.isEmpty)
    }

    @Test("a lock held by another instance: the waiter answers from KV once that instance's answer lands")
    func waiterReadsTheOthersAnswer() async throws {
        let store = LockingScriptedKVStore()
        let lockKey = KVLockKey.make(for: "pcache:q", namespace: "pcache")
        #expect(try await store.acquireLock(lockKey, token: "other", ttl: .seconds(30), deadline: .now + .seconds(1)))
        let waiter = TieredCache(configuration: wide, kvStore: store, logger: logger)
        let computations = ComputeCounter()
        let task = Task { try await waiter.getOrCompute("q") { computations.increment(); return CacheEntry(text: "mine", source: .kb) } }
        // The other instance stores its answer, then releases its lock.
        let other = TieredCache(configuration: CacheConfiguration(distributedLock: .disabled), kvStore: store, logger: logger)
        try await Task.sleep(for: .milliseconds(30))
        await other.set("q", CacheEntry(text: "theirs", source: .llm))
        await other.waitForBackgroundWrites()
        _ = try await store.releaseLock(lockKey, token: "other", deadline: .now + .seconds(1))
        let result = try await task.value
        #expect(result.entry.text == "theirs" && result.origin == .kv && result.sharedComputation)
        #expect(computations.value == 0)
        #expect(waiter.statistics().distributedLockOutcomes == ["answered_by_other": 1])
    }

    @Test("every caller cancelled: the shared computation still finishes and stores its answer")
    func allCallersCancelled() async throws {
        let cache = TieredCache(kvStore: LockingScriptedKVStore(), logger: logger)
        let origin = CallGate()
        origin.close()
        let tasks = (0..<3).map { _ in
            Task { try await cache.getOrCompute("q") { await origin.pass(); return CacheEntry(text: "kept", source: .llm) } }
        }
        #expect(await eventually { cache.computations.waiters(for: "q") == 3 })
        for task in tasks { task.cancel() }
        for task in tasks { await #expect(throws: CancellationError.self) { _ = try await task.value } }
        origin.open()
        #expect(await eventually { cache.computations.inFlight == 0 })
        #expect(await cache.get("q")?.text == "kept")
    }
}
