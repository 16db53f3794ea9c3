import CacheCore
import Logging
import Testing

/// Defect 5 of issue 7: an entry this code cannot read because it is newer is never overwritten by it,
/// so old and new instances do not destroy each other's entries during a rolling deploy.
@Suite("TieredCache newer entries")
struct TieredCacheNewerEntryTests {
    private let logger = Logger(label: "test")
    private let newer: [UInt8] = Array(#"{"v":2,"key":"q","payload":{"text":"from the next release"}}"#.utf8)

    @Test("a memory hit is not written back over a newer entry")
    func noWriteBackOverNewer() async {
        let store = ScriptedKVStore()
        let cache = await store.cache(holding: "q", "v1 answer")
        store.store(raw: newer, at: "pcache:q")
        let found = await cache.lookup("q")
        #expect(found.tier == .memory && found.entry?.text == "v1 answer")
        await cache.waitForBackgroundWrites()
        #expect(store.raw("pcache:q") == newer)
        let stats = cache.statistics()
        #expect(stats.newerVersionEntries == 1 && stats.overwritesAvoided == 1 && stats.writeBacks == 0)
    }

    @Test("getOrCompute after reading a newer entry does not overwrite it")
    func noSetOverNewer() async throws {
        let store = ScriptedKVStore()
        let cache = TieredCache(kvStore: store, logger: logger)
        store.store(raw: newer, at: "pcache:q")
        let result = try await cache.getOrCompute("q") { CacheEntry(text: "computed by v1", source: .llm) }
        #expect(result.origin == .computed)
        await cache.waitForBackgroundWrites()
        #expect(store.raw("pcache:q") == newer)
        #expect(await cache.lookup("q").tier == .memory, "the instance still serves its own answer from memory")
    }

    @Test("once the newer entry is gone the key is written again")
    func forgottenWhenGone() async throws {
        let store = ScriptedKVStore()
        let cache = TieredCache(kvStore: store, logger: logger)
        store.store(raw: newer, at: "pcache:q")
        _ = await cache.lookup("q")
        _ = try await store.delete(["pcache:q"], deadline: .now + .seconds(1))
        _ = await cache.lookup("q")
        await cache.set("q", CacheEntry(text: "v1 again", source: .kb))
        await cache.waitForBackgroundWrites()
        #expect(store.raw("pcache:q") != nil && store.raw("pcache:q") != newer)
    }

    @Test("an older or unversioned entry is still replaced")
    func olderIsReplaced() async {
        let store = ScriptedKVStore()
        let cache = await store.cache(holding: "q", "v1")
        store.store(raw: Array(#"{"v":0,"key":"q"}"#.utf8), at: "pcache:q")
        #expect(await cache.lookup("q").tier == .memory)
        await cache.waitForBackgroundWrites()
        #expect(await TieredCache(kvStore: store, logger: logger).lookup("q").tier == .kv)
    }
}
