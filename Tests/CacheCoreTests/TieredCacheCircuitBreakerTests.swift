@testable import CacheCore
import Logging
import Synchronization
import Testing

/// Issue 11, item 1: the breaker wired into the cache. Deterministic: scripted failures and gates, and a
/// 1 ms cool-down without jitter that a test only has to outwait, never to measure.
@Suite("TieredCache circuit breaker")
struct TieredCacheCircuitBreakerTests {
    private let logger = Logger(label: "test")

    private func configuration(threshold: Int, coolDown: Duration) -> CacheConfiguration {
        CacheConfiguration(
            kvDeadline: .seconds(60),
            circuitBreaker: CircuitBreakerPolicy(consecutiveFailures: threshold, minimumCalls: 1000, coolDown: coolDown, jitter: 0))
    }

    @Test("after the threshold, KV calls are refused without reaching the store, counted as circuit_open fallbacks")
    func opensAndFailsFast() async {
        let store = ScriptedKVStore()
        let cache = await store.cache(holding: "q", "answer", configuration: configuration(threshold: 3, coolDown: .seconds(3600)))
        #expect(cache.circuitState == .closed)
        store.fail(with: KVError(.timeout, "scripted"), operations: [.get])
        for _ in 0..<3 {
            #expect(await cache.lookup("q").kvError == .timeout)
        }
        #expect(cache.circuitState == .open)
        for _ in 0..<10 {
            let found = await cache.lookup("q")
            #expect(found.kvError == .circuitOpen)
            #expect(found.entry?.text == "answer" && found.tier == .memory)
        }
        #expect(store.calls(.get) == 3, "no call reaches the store while the breaker is open")
        let stats = cache.statistics()
        #expect(stats.circuitState == .open)
        #expect(stats.kvErrorsByClass["circuit_open"] == 10)
        #expect(stats.fallbacks == 13)
        let result = try? await cache.getOrCompute("q") { CacheEntry(text: "x", source: .llm) }
        #expect(result?.circuitState == .open && result?.kvError == .circuitOpen && result?.origin == .memory)
    }

    @Test("after the cool-down exactly one probe reaches the store; its success closes the breaker")
    func oneProbeThenClose() async throws {
        let store = ScriptedKVStore()
        let cache = await store.cache(holding: "q", "answer", configuration: configuration(threshold: 2, coolDown: .milliseconds(1)))
        store.fail(with: KVError(.connectionRefused, "scripted"), operations: [.get])
        _ = await cache.lookup("q")
        _ = await cache.lookup("q")
        #expect(cache.circuitState == .open)
        store.fail(with: nil)
        store.getGate.close()
        // Outwait the 1 ms cool-down (a wait, not a measurement).
        try await Task.sleep(for: .milliseconds(20))
        let probe = Task { await cache.lookup("q") }
        #expect(await store.getGate.waitForArrivals(1))
        #expect(cache.circuitState == .halfOpen)
        for _ in 0..<5 {
            #expect(await cache.lookup("q").kvError == .circuitOpen)
        }
        #expect(store.getGate.arrivals == 1, "only the probe reached the store while half-open")
        store.getGate.open()
        let probed = await probe.value
        #expect(probed.tier == .kv && probed.kvError == nil)
        #expect(cache.circuitState == .closed)
        #expect(await cache.lookup("q").tier == .kv)
    }

    @Test("a store given later is wrapped too; a disabled breaker reports no state")
    func replacedStoreAndDisabled() async {
        let cache = TieredCache(configuration: configuration(threshold: 1, coolDown: .seconds(3600)), kvStore: nil, logger: logger)
        #expect(cache.circuitState == nil)
        let store = ScriptedKVStore()
        await cache.replaceKVStore(store)
        #expect(cache.circuitState == .closed)
        store.fail(with: KVError(.timeout, "scripted"))
        _ = await cache.lookup("q")
        #expect(await cache.lookup("q").kvError == .circuitOpen)
        #expect(cache.mode == "scripted")

        let plain = TieredCache(configuration: CacheConfiguration(circuitBreaker: .disabled), kvStore: ScriptedKVStore(), logger: logger)
        #expect(plain.circuitState == nil && plain.statistics().circuitState == nil)
    }
}
