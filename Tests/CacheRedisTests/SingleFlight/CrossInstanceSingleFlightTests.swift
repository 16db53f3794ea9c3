import CacheCore
@testable import CacheRedis
import Foundation
import Logging
import RedisServerSupport
import Synchronization
import Testing

/// Issue 12, item 2: one origin call per question across instances sharing one redis-server, through a
/// lock in the KV tier; and every way the lock can fail ends in a local computation, never a failure.
@Suite("Cross-instance single-flight over Redis")
struct CrossInstanceSingleFlightTests {
    private let logger = RedisStoreTestSupport.quietLogger

    private func makeCache(
        // A wide deadline: the lock and the polls get what the lookup left of it, and a machine running every
        // suite at once can take seconds to schedule a lookup.
        url: String, namespace: String = "herd", deadline: Duration = .seconds(15),
        lock: DistributedLockPolicy = DistributedLockPolicy()
    ) throws -> TieredCache {
        TieredCache(
            configuration: CacheConfiguration(namespace: namespace, kvDeadline: deadline, distributedLock: lock),
            kvStore: RedisStore(endpoint: try RedisEndpoint(url: url), logger: logger), logger: logger)
    }

    /// Counts origin calls across every instance of a test.
    final class Origin: Sendable {
        private let calls = Mutex(0)
        var count: Int { calls.withLock { $0 } }
        func answer(_ text: String, after pause: Duration = .milliseconds(200)) async throws -> CacheEntry {
            calls.withLock { $0 += 1 }
            try await Task.sleep(for: pause)
            return CacheEntry(text: text, source: .llm)
        }
    }

    /// The lock holders the computations saw.
    final class Seen: Sendable {
        private let seen = Mutex<[String]>([])
        var values: [String] { seen.withLock { $0 } }
        func add(_ value: String) { seen.withLock { $0.append(value) } }
    }

    @Test("8 instances × 10 concurrent callers for one key: compute runs once, every caller gets its answer")
    func herdAcrossInstances() async throws {
        let server = try await RedisServer.start()
        defer { server.cleanUp() }
        let caches = try (0..<8).map { _ in try makeCache(url: server.url) }
        let origin = Origin()
        let results = try await withThrowingTaskGroup(of: CacheResult.self) { group in
            for cache in caches {
                for _ in 0..<10 {
                    group.addTask { try await cache.getOrCompute("the question") { try await origin.answer("the answer") } }
                }
            }
            return try await group.reduce(into: [CacheResult]()) { $0.append($1) }
        }
        #expect(origin.count == 1)
        #expect(results.count == 80 && results.allSatisfy { $0.entry.text == "the answer" })
        #expect(results.filter { $0.origin == .computed && !$0.sharedComputation }.count == 1)
        let outcomes = caches.map { $0.statistics().distributedLockOutcomes }
        #expect(outcomes.reduce(0) { $0 + ($1["acquired"] ?? 0) } == 1)
        // The holder releases its lock once the answer is stored.
        let lockKey = KVLockKey.make(for: "herd:the question", namespace: "herd")
        #expect(await Self.eventually { (respValue(try? await server.command(["EXISTS", lockKey]))) == "0" })
        for cache in caches { await cache.shutdown() }
    }

    @Test("a holder that never releases blocks the others only until its lock expires; then one computes")
    func crashedHolder() async throws {
        let server = try await RedisServer.start()
        defer { server.cleanUp() }
        let lockKey = KVLockKey.make(for: "herd:q", namespace: "herd")
        // An instance took the lock and died: nobody will release it.
        #expect(respValue(try await server.command(["SET", lockKey, "dead-holder", "NX", "PX", "700"])) == "OK")
        let caches = try (0..<3).map { _ in try makeCache(url: server.url) }
        let origin = Origin()
        let holderSeenByCompute = Seen()
        let results = try await withThrowingTaskGroup(of: CacheResult.self) { group in
            for cache in caches {
                group.addTask {
                    try await cache.getOrCompute("q") {
                        let holder = respValue(try await server.command(["GET", lockKey])) ?? "none"
                        holderSeenByCompute.add(holder)
                        return try await origin.answer("a", after: .milliseconds(50))
                    }
                }
            }
            return try await group.reduce(into: [CacheResult]()) { $0.append($1) }
        }
        #expect(results.allSatisfy { $0.entry.text == "a" })
        #expect(origin.count == 1)
        let holders = holderSeenByCompute.values
        #expect(holders.count == 1 && holders[0] != "dead-holder", "computed only under a lock of its own")
        #expect(results.filter { $0.origin == .kv && $0.sharedComputation }.count == 2)
        for cache in caches { await cache.shutdown() }
    }

    @Test("a waiter whose wait limit passes computes itself")
    func waitLimit() async throws {
        let server = try await RedisServer.start()
        defer { server.cleanUp() }
        let lockKey = KVLockKey.make(for: "herd:q", namespace: "herd")
        _ = respValue(try await server.command(["SET", lockKey, "slow-holder", "PX", "60000"]))
        let cache = try makeCache(url: server.url, lock: DistributedLockPolicy(maximumWait: .milliseconds(150)))
        let origin = Origin()
        let result = try await cache.getOrCompute("q") { try await origin.answer("mine", after: .zero) }
        #expect(result.entry.text == "mine" && result.origin == .computed && origin.count == 1)
        #expect(cache.statistics().distributedLockOutcomes["local_wait_expired"] == 1)
        #expect(respValue(try await server.command(["GET", lockKey])) == "slow-holder", "another owner's lock is never touched")
        await cache.shutdown()
    }

    @Test("KV tier down (blackholed or refusing): every instance computes locally and answers", arguments: [true, false])
    func kvDown(blackhole: Bool) async throws {
        let listener = try SilentListener()
        defer { listener.close() }
        // The silent listener never answers; a port whose listener closed refuses at once.
        let closed = try SilentListener()
        closed.close()
        let port = blackhole ? listener.port : closed.port
        let deadline = Duration.milliseconds(200)
        let caches = try (0..<4).map { _ in try makeCache(url: "redis://127.0.0.1:\(port)", deadline: deadline) }
        let origin = Origin()
        let started = ContinuousClock.now
        let results = try await withThrowingTaskGroup(of: CacheResult.self) { group in
            for cache in caches {
                for _ in 0..<5 {
                    group.addTask { try await cache.getOrCompute("q") { try await origin.answer("local", after: .milliseconds(50)) } }
                }
            }
            return try await group.reduce(into: [CacheResult]()) { $0.append($1) }
        }
        let elapsed = ContinuousClock.now - started
        #expect(results.count == 20 && results.allSatisfy { $0.entry.text == "local" && $0.kvError != nil })
        // One computation per instance (single-flight inside each), none waits for a lock.
        #expect(origin.count == 4)
        for cache in caches {
            #expect(cache.statistics().distributedLockOutcomes["local_kv_failed"] == 1)
        }
        // A hang detector, not a speed check (a loaded machine running every suite at once took 7 s).
        #expect(elapsed < deadline + .seconds(30))
        for cache in caches { await cache.shutdown() }
    }

    @Test("only the owner's token releases a lock; SET NX refuses a held lock; the lock expires by itself")
    func ownerOnlyRelease() async throws {
        let server = try await RedisServer.start()
        defer { server.cleanUp() }
        let store = RedisStore(endpoint: try RedisEndpoint(url: server.url), logger: logger)
        var deadline: ContinuousClock.Instant { .now + .seconds(5) }
        #expect(try await store.acquireLock("herd:lock:{k}", token: "A", ttl: .seconds(30), deadline: deadline))
        #expect(try await !store.acquireLock("herd:lock:{k}", token: "B", ttl: .seconds(30), deadline: deadline))
        #expect(try await !store.releaseLock("herd:lock:{k}", token: "B", deadline: deadline))
        #expect(respValue(try await server.command(["GET", "herd:lock:{k}"])) == "A")
        #expect(try await store.releaseLock("herd:lock:{k}", token: "A", deadline: deadline))
        #expect(respValue(try await server.command(["EXISTS", "herd:lock:{k}"])) == "0")
        #expect(try await !store.releaseLock("herd:lock:{k}", token: "A", deadline: deadline), "released once only")
        #expect(try await store.acquireLock("herd:lock:{k}", token: "C", ttl: .milliseconds(1500), deadline: deadline))
        let ttl = Int(respValue(try await server.command(["PTTL", "herd:lock:{k}"])) ?? "") ?? -1
        #expect(ttl > 0 && ttl <= 1500)
        await store.shutdown()
    }

    @Test("a value without expiry at a lock key (a foreign writer's) is taken over; a live lock is not")
    func foreignValueAtLockKeyIsTakenOver() async throws {
        let server = try await RedisServer.start()
        defer { server.cleanUp() }
        let store = RedisStore(endpoint: try RedisEndpoint(url: server.url), logger: logger)
        var deadline: ContinuousClock.Instant { .now + .seconds(5) }
        // As `foreign-writers`' garbage-everywhere phase does: every key of the namespace rewritten, no TTL.
        _ = try await server.command(["SET", "herd:lock:{k}", "garbage"])
        #expect(try await store.acquireLock("herd:lock:{k}", token: "A", ttl: .seconds(30), deadline: deadline))
        #expect(respValue(try await server.command(["GET", "herd:lock:{k}"])) == "A")
        let ttl = Int(respValue(try await server.command(["PTTL", "herd:lock:{k}"])) ?? "") ?? -1
        #expect(ttl > 0 && ttl <= 30_000)
        #expect(try await !store.acquireLock("herd:lock:{k}", token: "B", ttl: .seconds(30), deadline: deadline), "a live lock holds")
        await store.shutdown()
    }

    @Test("a waiter's polls end with its wait: a tier that stalls mid-wait costs it no more than the KV deadline")
    func waiterPollsEndWithTheWait() async throws {
        let server = try await RedisServer.start()
        defer { server.cleanUp() }
        let deadline = Duration.seconds(2)
        let holder = try makeCache(url: server.url, namespace: "stall", deadline: deadline)
        let waiter = try makeCache(url: server.url, namespace: "stall", deadline: deadline)
        let origin = Origin()
        // The holder takes the lock and computes for longer than the test lasts.
        let holding = Task { try await holder.getOrCompute("q") { try await origin.answer("slow", after: .seconds(8)) } }
        #expect(await Self.eventually {
            let keys = (try? await server.command(["KEYS", "stall:lock:*"])) ?? ""
            return keys.contains("stall:lock:")
        })
        let started = ContinuousClock.now
        let waiting = Task { try await waiter.getOrCompute("q") { try await origin.answer("local") } }
        // Half-way through the wait the tier stops answering: the poll then in flight (or the next one)
        // stalls. Before the fix it could run a whole deadline of its own past the wait's end (about 3 s here).
        try await Task.sleep(until: started + .seconds(1), clock: .continuous)
        _ = try await server.command(["CLIENT", "PAUSE", "6000", "ALL"])
        let result = try await waiting.value
        let inCache = ContinuousClock.now - started - .milliseconds(200)
        #expect(result.entry.text == "local" && result.origin == .computed)
        // Correctness, not speed: the wait ended by the deadline (2 s), not by a stalled poll's own deadline.
        #expect(inCache < .milliseconds(2600), "the waiter spent \(inCache) in the cache")
        holding.cancel()
        _ = try? await server.command(["CLIENT", "UNPAUSE"])
        await holder.shutdown()
        await waiter.shutdown()
    }

    @Test("a lock held when the store is replaced or shut down is released then, not left to its TTL",
          arguments: [false, true])
    func heldLockReleasedWithItsStore(shutDown: Bool) async throws {
        let server = try await RedisServer.start()
        defer { server.cleanUp() }
        let namespace = shutDown ? "gone" : "rolled"
        let holder = try makeCache(url: server.url, namespace: namespace)
        let origin = Origin()
        // The holder takes the lock and is still computing when its store goes (the plan's rollback, or a deploy).
        let holding = Task { try await holder.getOrCompute("q") { try await origin.answer("late", after: .seconds(8)) } }
        let lockKeys = { (try? await server.command(["KEYS", "\(namespace):lock:*"])) ?? "" }
        #expect(await Self.eventually { await lockKeys().contains("\(namespace):lock:") })
        if shutDown { await holder.shutdown() } else { await holder.replaceKVStore(nil) }
        // Gone as soon as the store is: another instance that misses takes the lock at once instead of waiting
        // for an answer this holder can no longer store (before, it waited up to its KV deadline, lock TTL 5 s).
        #expect(!(await lockKeys()).contains("\(namespace):lock:"))
        let other = try makeCache(url: server.url, namespace: namespace)
        let answer = try await other.getOrCompute("q") { try await origin.answer("from the other") }
        #expect(answer.entry.text == "from the other" && answer.origin == .computed)
        #expect(other.statistics().distributedLockOutcomes["acquired"] == 1)
        holding.cancel()
        await other.shutdown()
    }

    @Test("a lock key hashes to its entry's Redis Cluster slot, and entries never share a lock")
    func lockKeySlots() {
        let keys = ["q", "what is {KV}?", "a{b}c", "a{}b", "}{x}", "x}y", "{", "é{ü}", "plain question with spaces"]
        var seen: Set<String> = []
        for key in keys {
            let entryKey = "herd:" + key
            let lockKey = KVLockKey.make(for: entryKey, namespace: "herd")
            #expect(lockKey.hasPrefix("herd:lock:"))
            #expect(seen.insert(lockKey).inserted)
            // Only a key holding a `}` but no tag of its own cannot be matched.
            let matchable = entryKey.contains("{") && entryKey.range(of: #"\{[^}]+\}"#, options: .regularExpression) != nil
                || !entryKey.contains("}")
            if matchable {
                #expect(ClusterSlot(key: lockKey) == ClusterSlot(key: entryKey), "\(key)")
            }
        }
    }

    private static func eventually(within limit: Duration = .seconds(10), _ condition: () async -> Bool) async -> Bool {
        let end = ContinuousClock.now + limit
        while ContinuousClock.now < end {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return await condition()
    }
}

/// The text of a status, integer or bulk reply read by `RedisServer.command`, or `nil`.
private func respValue(_ raw: String?) -> String? {
    switch raw.flatMap(RawRedisReply.init) {
    case .integer(let value)?: return String(value)
    case let reply?: return reply.text
    case nil: return nil
    }
}
