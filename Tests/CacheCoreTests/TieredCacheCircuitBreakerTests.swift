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

    @Test("while open, the breaker probes with PING by itself; requests never reach the store until it closes")
    func backgroundProbeThenClose() async throws {
        let store = ScriptedKVStore()
        let cache = await store.cache(holding: "q", "answer", configuration: configuration(threshold: 2, coolDown: .milliseconds(1)))
        store.fail(with: KVError(.timeout, "scripted"), operations: [.get, .ping])
        _ = await cache.lookup("q")
        _ = await cache.lookup("q")
        #expect(cache.circuitState != .closed)
        // Wait (not measure) until the breaker has probed and failed a few times.
        let end = ContinuousClock.now + .seconds(30)
        while store.calls(.ping) < 2, ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(2)) }
        #expect(store.calls(.ping) >= 2, "the breaker probes without any request")
        for _ in 0..<5 {
            let found = await cache.lookup("q")
            #expect(found.kvError == .circuitOpen && found.tier == .memory)
        }
        #expect(store.calls(.get) == 2, "no request reached the store while the breaker was not closed")
        store.fail(with: nil)
        while cache.circuitState != .closed, ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(2)) }
        #expect(cache.circuitState == .closed, "a successful probe closed the breaker")
        let found = await cache.lookup("q")
        #expect(found.tier == .kv && found.kvError == nil)
    }

    @Test("a call still waiting on the tier when the breaker opens is released at once with circuit_open")
    func waitingCallReleasedOnOpen() async throws {
        let store = ScriptedKVStore()
        let cache = await store.cache(holding: "q", "answer", configuration: configuration(threshold: 2, coolDown: .seconds(3600)))
        store.fail(with: KVError(.timeout, "scripted"), operations: [.get])
        #expect(await cache.lookup("q").kvError == .timeout)
        store.fail(with: nil)
        store.getGate.close()
        let waiting = Task { await cache.lookup("q") }
        #expect(await store.getGate.waitForArrivals(1))
        // The held call is past the failure check; the next call fails before the gate, the second failure
        // in a row, and opens the breaker.
        store.fail(with: KVError(.timeout, "scripted"), operations: [.get])
        #expect(await cache.lookup("q").kvError == .timeout)
        #expect(cache.circuitState == .open)
        let released = await waiting.value
        #expect(released.kvError == .circuitOpen, "released when the breaker opened, not at its own deadline")
        #expect(released.entry?.text == "answer" && released.tier == .memory)
        store.getGate.open()
    }

    @Test("the probe asks again, within its deadline, a store that refuses at once while it reconnects")
    func probeWaitsOutAReconnect() async throws {
        let store = ScriptedKVStore()
        store.fail(with: KVError(.connectionRefused, "not connected to Redis (reconnecting)"), operations: [.ping])
        let recovery = Task {
            // The store "reconnects" once the probe has been refused a few times.
            while store.calls(.ping) < 3 { try await Task.sleep(for: .milliseconds(1)) }
            store.fail(with: nil)
        }
        let outcome = await CircuitBreakingKVStore.probe(store, deadline: .now + .seconds(60))
        try await recovery.value
        #expect(outcome == .success)
        #expect(store.calls(.ping) >= 4)

        // Any other failure decides at once: a timeout already spent the deadline.
        let timingOut = ScriptedKVStore()
        timingOut.fail(with: KVError(.timeout, "scripted"), operations: [.ping])
        #expect(await CircuitBreakingKVStore.probe(timingOut, deadline: .now + .seconds(60)) == .failure)
        #expect(timingOut.calls(.ping) == 1)
        // And a refusal that outlasts the deadline fails the probe.
        let refusing = ScriptedKVStore()
        refusing.fail(with: KVError(.connectionRefused, "scripted"), operations: [.ping])
        #expect(await CircuitBreakingKVStore.probe(refusing, deadline: .now + .milliseconds(60)) == .failure)
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
