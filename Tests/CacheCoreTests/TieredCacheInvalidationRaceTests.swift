import CacheCore
import Logging
import Testing

/// Defect 4 of issue 7: after `invalidate(p)` returns, no entry matching `p` written before the call may be
/// served again. The store's gates fix the interleavings, so each race runs the same way every time.
@Suite("TieredCache invalidation races")
struct TieredCacheInvalidationRaceTests {
    private let logger = Logger(label: "test")

    @Test("a KV read in flight during invalidate does not put the old value back")
    func readInFlight() async {
        let store = ScriptedKVStore()
        _ = await store.cache(holding: "q", "old")
        let reader = TieredCache(kvStore: store, logger: logger)
        store.getGate.close()
        let inFlight = Task { await reader.lookup("q") }
        #expect(await store.getGate.waitForArrivals(1))
        let report = await reader.invalidate("*")
        #expect(report.kvComplete && report.kvRemoved == 1)
        store.getGate.open()
        _ = await inFlight.value
        #expect(reader.memory.get("q") == nil, "the in-flight read must not refill memory")
        #expect(await reader.get("q") == nil)
        await reader.waitForBackgroundWrites()
        #expect(store.raw("pcache:q") == nil, "nor be written back to KV")
        #expect(await TieredCache(kvStore: store, logger: logger).get("q") == nil)
        #expect(reader.statistics().supersededReads == 1)
    }

    @Test("a read that starts while invalidate is running does not keep the old value either")
    func readDuringInvalidation() async {
        let store = ScriptedKVStore()
        let cache = await store.cache(holding: "q", "old")
        // The invalidation's SCAN is held, so the read below runs after memory was cleared and before the
        // KV key is deleted.
        store.scanGate.close()
        let invalidation = Task { await cache.invalidate("q") }
        #expect(await store.scanGate.waitForArrivals(1))
        #expect(cache.memory.get("q") == nil)
        _ = await cache.lookup("q")
        store.scanGate.open()
        _ = await invalidation.value
        #expect(await cache.get("q") == nil)
        await cache.waitForBackgroundWrites()
        #expect(store.raw("pcache:q") == nil)
    }

    @Test("a background set started before the SCAN cannot land after it")
    func writeInFlight() async {
        let store = ScriptedKVStore()
        let (cache, arrived) = await store.cache(writingHeld: "q", "old")
        #expect(arrived)
        let invalidation = Task { await cache.invalidate("*") }
        // Before the fix the invalidation returns at once and the held write lands afterwards; with it, the
        // invalidation waits for the write (up to the KV deadline). The pause only gives the unfixed code
        // time to return first; the outcome asserted below does not depend on its length.
        try? await Task.sleep(for: .milliseconds(200))
        store.setGate.open()
        let report = await invalidation.value
        #expect(report.kvComplete)
        await cache.waitForBackgroundWrites()
        #expect(store.raw("pcache:q") == nil, "the old value must not survive the invalidation in KV")
        #expect(await TieredCache(kvStore: store, logger: logger).get("q") == nil)
    }

    @Test("a write in flight past the deadline: the invalidation reports itself incomplete, and the late write is deleted again")
    func writeStillRunningAtDeadline() async {
        let store = ScriptedKVStore()
        let (cache, arrived) = await store.cache(writingHeld: "q", "old", configuration: CacheConfiguration(kvDeadline: .milliseconds(100)))
        #expect(arrived)
        let report = await cache.invalidate("*")
        #expect(report.kvComplete == false, "a write that may still land after the SCAN makes the report incomplete")
        #expect(report.memoryRemoved == 1)
        store.setGate.open()
        await cache.waitForBackgroundWrites()
        #expect(store.raw("pcache:q") == nil, "the late write is deleted again once it lands")
        #expect(await TieredCache(kvStore: store, logger: logger).get("q") == nil)
    }
}
