import CacheCore
import Logging
import MetricsTestKit
import Testing

/// Defect 7 of issue 7: a KV failure on any operation (not only `get`) is a fallback, in metrics and in
/// the statistics.
@Suite("TieredCache fallback metrics")
struct TieredCacheFallbackMetricsTests {
    private let logger = Logger(label: "test")

    private func fallbacks(_ metrics: TestMetrics, _ operation: String) -> Int64 {
        metrics.counters(label: "cache_fallbacks_total", dimensions: [("namespace", "pcache"), ("operation", operation)])
            .reduce(0) { $0 + $1.totalValue }
    }

    @Test("failed sets, scans and deletes are counted as fallbacks by operation")
    func everyOperation() async {
        let metrics = TestMetrics()
        let store = ScriptedKVStore()
        let cache = TieredCache(kvStore: store, logger: logger, metricsFactory: metrics)
        store.fail(with: KVError(.timeout, "scripted"), operations: [.set])
        await cache.set("q", CacheEntry(text: "a", source: .kb))
        await cache.waitForBackgroundWrites()
        #expect(fallbacks(metrics, "set") == 1)

        store.fail(with: KVError(.connectionReset, "scripted"), operations: [.scan])
        #expect(await cache.invalidate("*").kvComplete == false)
        #expect(fallbacks(metrics, "scan") == 1)

        store.fail(with: nil)
        await cache.set("p", CacheEntry(text: "b", source: .kb))
        await cache.waitForBackgroundWrites()
        store.fail(with: KVError(.serverError, "scripted"), operations: [.delete])
        #expect(await cache.invalidate("*").kvComplete == false)
        #expect(fallbacks(metrics, "delete") == 1)

        store.fail(with: KVError(.timeout, "scripted"), operations: [.get])
        _ = await cache.lookup("p")
        #expect(fallbacks(metrics, "get") == 1)

        let stats = cache.statistics()
        #expect(stats.fallbacksByOperation == ["set": 1, "scan": 1, "delete": 1, "get": 1])
        #expect(stats.fallbacks == 1, "fallbacks stays the count of lookups answered without the KV tier")
    }
}
