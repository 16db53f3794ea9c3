import CacheCore
import CacheRedis
import FaultProxy
import Foundation
import Logging
import RedisServerSupport
import Testing

/// Issue 11 against a real redis-server behind the fault proxy: a blackhole opens the breaker, requests are
/// answered from memory without waiting for the deadline, and once the fault is gone the breaker closes and
/// the writes made during the outage land in Redis, where another instance reads them.
@Suite("TieredCache circuit breaker against redis-server")
struct TieredCacheBreakerRedisTests {
    private let logger = RedisStoreTestSupport.quietLogger

    @Test("blackhole → breaker opens → memory answers → recovery → replayed writes are KV hits elsewhere")
    func blackholeAndRecovery() async throws {
        let redis = try await RedisServer.start()
        defer { redis.cleanUp() }
        let registry = ProxyRegistry(seed: 11, logger: logger)
        let proxy = try await registry.createProxy(ProxyConfiguration(name: "kv", upstream: "127.0.0.1:\(redis.port)"))
        let store = RedisStore(
            endpoint: RedisEndpoint(address: .tcp(host: "127.0.0.1", port: proxy.listenPort)),
            configuration: .init(reconnectBackoff: (.milliseconds(5), .milliseconds(20))), logger: logger)
        let policy = CircuitBreakerPolicy(consecutiveFailures: 3, minimumCalls: 1000, coolDown: .milliseconds(100), jitter: 0)
        let cache = TieredCache(
            configuration: CacheConfiguration(kvDeadline: .milliseconds(200), circuitBreaker: policy), kvStore: store, logger: logger)
        let keys = (0..<20).map { "question \($0)" }
        for key in keys { await cache.set(key, CacheEntry(text: "answer to \(key)", source: .kb)) }
        // A loaded machine may take longer than the drain's bound: wait, but do not judge the timing.
        await cache.waitForBackgroundWrites(timeout: .seconds(10))

        _ = try await registry.addToxic(Toxic(kind: .timeout(timeout: 0)), to: proxy.name)
        var timedOut = 0
        for key in keys {
            let found = await cache.lookup(key)
            #expect(found.entry?.text == "answer to \(key)" && found.tier == .memory)
            if let code = found.kvError, code != .circuitOpen { timedOut += 1 }
        }
        print("breaker-redis-test: errors \(cache.statistics().kvErrorsByClass)")
        // The threshold, plus a probe per 100 ms cool-down on a slow machine; far fewer than all 20.
        #expect(timedOut >= 3 && timedOut < keys.count)
        #expect((cache.statistics().kvErrorsByClass["circuit_open"] ?? 0) > 0)
        for index in 0..<5 { await cache.set("during outage \(index)", CacheEntry(text: "kept \(index)", source: .llm)) }
        await cache.waitForBackgroundWrites()
        #expect(cache.statistics().pendingWrites >= 5)

        try await registry.removeToxic(named: "timeout_downstream", from: proxy.name)
        var closed = false
        let end = ContinuousClock.now + .seconds(15)
        while !closed && ContinuousClock.now < end {
            _ = await cache.lookup(keys[0])
            closed = cache.circuitState == .closed
            if !closed { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(closed)
        var landed = false
        while !landed && ContinuousClock.now < end {
            landed = (try? await redis.command(["EXISTS", "pcache:during outage 4"]).hasPrefix(":1")) ?? false
            if !landed { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(landed, "a write made during the outage was replayed into Redis")
        #expect(cache.statistics().pendingWritesReplayed >= 5)

        let other = TieredCache(kvStore: RedisStore(endpoint: try RedisEndpoint(url: redis.url), logger: logger), logger: logger)
        for index in 0..<5 {
            let found = await other.lookup("during outage \(index)")
            #expect(found.tier == .kv && found.entry?.text == "kept \(index)")
        }
        await other.shutdown()
        await cache.shutdown()
        await registry.shutdown()
        await redis.stop()
    }
}
