@testable import CacheCore
import Logging
import Synchronization
import Testing

/// Defect 6 of issue 7: writes in flight are not lost when the store is replaced, and waiting for them ends
/// even under steady traffic: only the writes started before the call are waited for, up to the deadline.
@Suite("TieredCache background writes")
struct TieredCacheBackgroundWriteTests {
    private let logger = Logger(label: "test")

    @Test("replaceKVStore lets the old store finish the writes in flight before shutting it down")
    func replaceWaitsForWrites() async {
        let old = ScriptedKVStore()
        let (cache, arrived) = await old.cache(writingHeld: "q", "a")
        #expect(arrived)
        let replacement = Task { await cache.replaceKVStore(ScriptedKVStore()) }
        // Unfixed, the old store is shut down at once; fixed, not before the write ends. Either way, go on
        // once it is shut down or 200 ms have passed (the outcome does not depend on the pause).
        _ = await eventually(within: .milliseconds(200)) { old.wasShutDown }
        old.setGate.open()
        await replacement.value
        #expect(old.raw("pcache:q") != nil, "the write in flight reached the old store")
        #expect(cache.statistics().backgroundWriteFailures == 0)
        #expect(old.wasShutDown)
    }

    @Test("waitForBackgroundWrites waits for the writes started before it, not for later ones")
    func steadyTraffic() async {
        let store = ScriptedKVStore()
        let (cache, arrived) = await store.cache(writingHeld: "before", "a", configuration: CacheConfiguration(kvDeadline: .seconds(60)))
        #expect(arrived)
        let waiter = Task { await cache.waitForBackgroundWrites() }
        #expect(await eventually { cache.backgroundWrites.waiterCount == 1 })
        // A write started after the call, still running when the first one ends.
        await cache.set("after", CacheEntry(text: "b", source: .kb))
        #expect(await store.setGate.waitForArrivals(2))
        let finished = Mutex(false)
        let watcher = Task { let drained = await waiter.value; finished.withLock { $0 = true }; return drained }
        // Release only the first write: the later one stays held.
        store.setGate.releaseOne()
        let returned = await eventually { finished.withLock { $0 } }
        #expect(returned, "waitForBackgroundWrites must not wait for writes started after it")
        store.setGate.open()
        #expect(await watcher.value)
        await cache.shutdown()
    }

    @Test("shutdown returns by the deadline even when a write never ends")
    func shutdownIsBounded() async {
        let store = ScriptedKVStore()
        let (cache, arrived) = await store.cache(writingHeld: "q", "a", configuration: CacheConfiguration(kvDeadline: .milliseconds(200)))
        #expect(arrived)
        let done = Mutex(false)
        let shutdown = Task { await cache.shutdown(); done.withLock { $0 = true } }
        let returned = await eventually { done.withLock { $0 } }
        #expect(returned, "shutdown must not wait past the deadline for a write that hangs")
        #expect(store.wasShutDown == returned)
        store.setGate.open()
        await shutdown.value
        #expect(cache.mode == "memory-only")
    }
}
