@testable import CacheCore
import Logging
import Testing

/// Issue 11, item 3: background writes that fail during an outage are kept and replayed once the KV tier is
/// back, never past an invalidation that matched them.
@Suite("TieredCache pending writes")
struct TieredCachePendingWriteTests {
    private let logger = Logger(label: "test")

    private func configuration(threshold: Int) -> CacheConfiguration {
        CacheConfiguration(
            kvDeadline: .seconds(60),
            circuitBreaker: CircuitBreakerPolicy(consecutiveFailures: threshold, minimumCalls: 1000, coolDown: .milliseconds(1), jitter: 0))
    }

    @Test("writes failed or refused by the open breaker are replayed when a probe closes it")
    func replayedOnClose() async throws {
        let store = ScriptedKVStore()
        let cache = TieredCache(configuration: configuration(threshold: 1), kvStore: store, logger: logger)
        store.fail(with: KVError(.connectionRefused, "scripted"))
        await cache.set("a", CacheEntry(text: "A", source: .llm))
        await cache.waitForBackgroundWrites()
        #expect(cache.circuitState == .open)
        await cache.set("b", CacheEntry(text: "B", source: .llm))
        await cache.waitForBackgroundWrites()
        var stats = cache.statistics()
        #expect(stats.pendingWrites == 2 && stats.pendingWritesQueued == 2)
        store.fail(with: nil)
        // The breaker's own probe (a PING after the cool-down) closes it and replays, with no request.
        #expect(await eventually { cache.circuitState == .closed })
        #expect(await eventually { store.raw("pcache:a") != nil && store.raw("pcache:b") != nil })
        stats = cache.statistics()
        #expect(stats.pendingWrites == 0 && stats.pendingWritesReplayed == 2 && stats.pendingWritesDropped == 0)
        let other = TieredCache(kvStore: store, logger: logger)
        #expect(await other.lookup("b").tier == .kv, "the replayed write is shared with other instances")
    }

    @Test("an invalidation drops the kept writes it matches, and a write kept after it is fenced off")
    func invalidationFence() async throws {
        let store = ScriptedKVStore()
        // No breaker involvement: every failure reaches the store.
        let cache = TieredCache(configuration: configuration(threshold: 1000), kvStore: store, logger: logger)
        store.fail(with: KVError(.timeout, "scripted"))
        await cache.set("a", CacheEntry(text: "A", source: .llm))
        await cache.set("b", CacheEntry(text: "B", source: .llm))
        await cache.waitForBackgroundWrites()
        #expect(cache.statistics().pendingWrites == 2)
        _ = await cache.invalidate("a")
        #expect(cache.statistics().pendingWrites == 1)

        // "late" is in flight when its invalidation runs, and fails only afterwards: it is kept with the
        // epoch it was written at, older than the invalidation.
        store.setGate.close()
        await cache.set("late", CacheEntry(text: "L", source: .llm))
        #expect(await store.setGate.waitForArrivals(store.setGate.arrivals + 1))
        let invalidation = Task { await cache.invalidate("late") }
        #expect(await eventually { cache.backgroundWrites.waiterCount == 1 })
        store.setGate.open()
        _ = await invalidation.value
        #expect(cache.statistics().pendingWrites == 2)

        // The tier is back: the next successful write replays what is kept.
        store.fail(with: nil)
        await cache.set("c", CacheEntry(text: "C", source: .llm))
        #expect(await eventually { store.raw("pcache:b") != nil && cache.statistics().pendingWrites == 0 })
        await cache.waitForBackgroundWrites()
        #expect(store.raw("pcache:a") == nil, "an invalidated write is never replayed")
        #expect(store.raw("pcache:late") == nil, "a write older than its invalidation is never replayed")
        #expect(cache.statistics().supersededWrites >= 1)
    }

    @Test("with no room for kept writes, failures are only counted as dropped")
    func noRoom() async {
        let store = ScriptedKVStore()
        var configuration = configuration(threshold: 1000)
        configuration.pendingWrites = .none
        let cache = TieredCache(configuration: configuration, kvStore: store, logger: logger)
        store.fail(with: KVError(.timeout, "scripted"))
        await cache.set("a", CacheEntry(text: "A", source: .llm))
        await cache.waitForBackgroundWrites()
        let stats = cache.statistics()
        #expect(stats.pendingWrites == 0 && stats.pendingWritesDropped == 1)
    }
}
