import CacheCore
import CacheVercelKV
import RedisServerSupport
import Synchronization
import Testing

/// Issue 12, item 2 on the REST tier: Upstash's `SET … NX PX` and `EVAL`, through kv-rest-bridge.
@Suite("Cross-instance single-flight over REST")
struct RESTSingleFlightTests {
    final class Calls: Sendable {
        private let value = Mutex(0)
        var count: Int { value.withLock { $0 } }
        func increment() { value.withLock { $0 += 1 } }
    }

    @Test("4 instances over REST × 5 concurrent callers for one key: compute runs once")
    func herdOverREST() async throws {
        let fixture = try await BridgeFixture.start()
        let caches = try (0..<4).map { _ in
            TieredCache(
                // A wide deadline: the lock and the polls get what the lookup left of it (see the Redis suite).
                configuration: CacheConfiguration(namespace: "restherd", kvDeadline: .seconds(15)),
                kvStore: VercelKVStore(endpoint: try fixture.endpoint(), logger: quietLogger), logger: quietLogger)
        }
        let calls = Calls()
        let results = try await withThrowingTaskGroup(of: CacheResult.self) { group in
            for cache in caches {
                for _ in 0..<5 {
                    group.addTask {
                        try await cache.getOrCompute("q") {
                            calls.increment()
                            try await Task.sleep(for: .milliseconds(200))
                            return CacheEntry(text: "over rest", source: .llm)
                        }
                    }
                }
            }
            return try await group.reduce(into: [CacheResult]()) { $0.append($1) }
        }
        #expect(calls.count == 1)
        #expect(results.count == 20 && results.allSatisfy { $0.entry.text == "over rest" })
        for cache in caches { await cache.shutdown() }
        await fixture.stop()
    }

    @Test("only the owner releases; a held lock is refused; a read-only token takes no lock")
    func ownerOnlyRelease() async throws {
        let fixture = try await BridgeFixture.start()
        let store = VercelKVStore(endpoint: try fixture.endpoint(), logger: quietLogger)
        var deadline: ContinuousClock.Instant { .now + .seconds(10) }
        #expect(try await store.acquireLock("l:{k}", token: "A", ttl: .seconds(30), deadline: deadline))
        #expect(try await !store.acquireLock("l:{k}", token: "B", ttl: .seconds(30), deadline: deadline))
        #expect(try await !store.releaseLock("l:{k}", token: "B", deadline: deadline))
        #expect(respValue(try await fixture.redis.command(["GET", "l:{k}"])) == "A")
        #expect(try await store.releaseLock("l:{k}", token: "A", deadline: deadline))
        #expect(respValue(try await fixture.redis.command(["EXISTS", "l:{k}"])) == "0")
        let readOnly = VercelKVStore(endpoint: try fixture.endpoint(readOnly: true), logger: quietLogger)
        await #expect(throws: KVError.self) {
            _ = try await readOnly.acquireLock("l:{k}", token: "C", ttl: .seconds(1), deadline: deadline)
        }
        await readOnly.shutdown()
        await store.shutdown()
        await fixture.stop()
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
