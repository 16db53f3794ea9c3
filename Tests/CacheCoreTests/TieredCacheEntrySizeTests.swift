import CacheCore
import Logging
import Testing

/// The maximum entry size (``CacheConfiguration/maximumEntryBytes``): a stored value over it is a logged
/// miss that is never loaded whole, never a KV failure; a set over it is refused in both tiers.
@Suite("TieredCache entry size limit")
struct TieredCacheEntrySizeTests {
    private let logger = Logger(label: "test")

    static func envelope(valueBytes: Int, key: String) -> [UInt8] {
        Array(#"{"v":1,"key":"\#(key)","value":""#.utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: valueBytes)
            + Array(#"","source":"kb"}"#.utf8)
    }

    @Test("with the defaults, a 2 MiB entry at a key is a miss, and a 2 MiB set is stored in neither tier")
    func defaultLimit() async {
        let store = ScriptedKVStore()
        let cache = TieredCache(kvStore: store, logger: logger)
        store.store(raw: Self.envelope(valueBytes: 2 << 20, key: "big"), at: "pcache:big")
        let found = await cache.lookup("big")
        #expect(found.entry == nil)
        #expect(found.kvError == nil, "an oversized entry is not a failure of the KV tier")

        await cache.set("huge", CacheEntry(text: String(repeating: "y", count: 2 << 20), source: .llm))
        await cache.waitForBackgroundWrites()
        #expect(store.raw("pcache:huge") == nil)
        #expect(await cache.lookup("huge").entry == nil)
    }

    @Test("the limit is 1 MiB by default, enforced to the byte on read, counted apart from KV errors")
    func readLimit() async throws {
        #expect(CacheConfiguration().maximumEntryBytes == 1 << 20)
        let store = ScriptedKVStore()
        let fits = Self.envelope(valueBytes: 100, key: "fits")
        let cache = TieredCache(configuration: CacheConfiguration(maximumEntryBytes: fits.count), kvStore: store, logger: logger)
        store.store(raw: fits, at: "pcache:fits")
        store.store(raw: Self.envelope(valueBytes: 101, key: "over"), at: "pcache:over")
        #expect(await cache.lookup("fits").tier == .kv)
        let over = await cache.lookup("over")
        #expect(over.entry == nil && over.kvError == nil)
        let stats = cache.statistics()
        #expect(stats.entriesTooLarge == 1)
        #expect(stats.kvErrors == 0 && stats.fallbacks == 0)
        #expect(stats.malformedEntries == 0)
        #expect(stats.misses == 1)
    }

    @Test("a set whose envelope is over the limit is refused, logged and counted; one under it is stored")
    func writeLimit() async throws {
        let store = ScriptedKVStore()
        let cache = TieredCache(configuration: CacheConfiguration(maximumEntryBytes: 300), kvStore: store, logger: logger)
        await cache.set("small", CacheEntry(text: "short", source: .kb))
        await cache.set("large", CacheEntry(text: String(repeating: "z", count: 290), source: .kb))
        await cache.waitForBackgroundWrites()
        #expect(store.raw("pcache:small") != nil)
        #expect(store.raw("pcache:large") == nil)
        #expect(cache.memory.get("large") == nil)
        #expect(cache.statistics().entriesTooLarge == 1)
        #expect(cache.statistics().backgroundWrites == 1)

        let memoryOnly = TieredCache(configuration: CacheConfiguration(maximumEntryBytes: 300), kvStore: nil, logger: logger)
        await memoryOnly.set("large", CacheEntry(text: String(repeating: "z", count: 290), source: .kb))
        #expect(memoryOnly.memory.get("large") == nil)
        #expect(memoryOnly.statistics().entriesTooLarge == 1)
    }
}
