import CacheCore
import Logging
import Testing

/// The entry rows of docs/architecture.md's hostile-input table, each stored at a key and read through the
/// cache: every one ends as the hit or the logged, counted miss the table promises, never a trap or a KV error.
@Suite("TieredCache hostile stored entries")
struct TieredCacheHostileInputTests {
    enum Outcome: Sendable { case hit, malformed, expired, tooLarge, newerVersion, misPaired, keyless }

    static func envelope(_ fields: String, key: String = "q") -> [UInt8] {
        Array(#"{"v":1,"key":"\#(key)","value":"answer","source":"kb",\#(fields)}"#.utf8)
    }

    static let rows: [(String, [UInt8], Outcome)] = [
        ("huge expiresAt", envelope(#""createdAt":0,"expiresAt":1e19"#), .malformed),
        ("infinite expiresAt", envelope(#""createdAt":0,"expiresAt":1e309"#), .malformed),
        ("NaN expiresAt", envelope(#""createdAt":0,"expiresAt":NaN"#), .malformed),
        ("negative expiresAt", envelope(#""createdAt":0,"expiresAt":-1"#), .expired),
        ("fractional far-future expiresAt", envelope(#""createdAt":0.5,"expiresAt":8.6e15"#), .hit),
        ("huge createdAt", envelope(#""createdAt":-1e19"#), .malformed),
        ("infinite createdAt", envelope(#""createdAt":1e309"#), .malformed),
        ("future version", Array(#"{"v":2,"key":"q","value":"answer","source":"kb"}"#.utf8), .newerVersion),
        ("wrong key", envelope(#""createdAt":0"#, key: "p"), .misPaired),
        ("no key field", Array(#"{"v":1,"value":"answer","source":"kb"}"#.utf8), .keyless),
        ("truncated JSON", Array(envelope(#""createdAt":0"#).dropLast(5)), .malformed),
        ("number JSON forbids", envelope(#""createdAt":01"#), .malformed),
        ("over the size limit", envelope(#""createdAt":0,"pad":""# + String(repeating: "x", count: 1 << 20) + "\""), .tooLarge),
        ("binary bytes", [0x00, 0xFF, 0xC3, 0x28, 0x7B, 0x0A], .malformed),
        ("binary value in an envelope", Array(#"{"v":1,"key":"q","valueBase64":"AP/DKA==","source":"kb"}"#.utf8), .hit),
        ("invalid UTF-8 inside the JSON", Array(#"{"v":1,"key":"q","value":""#.utf8) + [0xC3, 0x28] + Array(#"","source":"kb"}"#.utf8), .malformed),
    ]

    @Test("each hostile entry is a hit or a logged, counted miss", arguments: rows.indices)
    func row(index: Int) async {
        let (name, bytes, outcome) = Self.rows[index]
        let store = ScriptedKVStore()
        let cache = TieredCache(kvStore: store, logger: Logger(label: "test"))
        store.store(raw: bytes, at: "pcache:q")
        let found = await cache.lookup("q")
        let stats = cache.statistics()
        #expect((found.entry != nil) == (outcome == .hit), "\(name)")
        #expect(stats.malformedEntries == (outcome == .malformed ? 1 : 0), "\(name)")
        #expect(stats.entriesTooLarge == (outcome == .tooLarge ? 1 : 0), "\(name)")
        #expect(stats.newerVersionEntries == (outcome == .newerVersion ? 1 : 0), "\(name)")
        #expect(stats.keylessEntries == (outcome == .keyless ? 1 : 0), "\(name)")
        #expect(stats.misPairedReplies == (outcome == .misPaired ? 1 : 0), "\(name)")
        if outcome == .misPaired {
            // A reply naming another key is proof of a reply paired with the wrong command: a protocol error.
            #expect(found.kvError == .protocolError, "\(name)")
        } else {
            #expect(found.kvError == nil && stats.kvErrors == 0 && stats.fallbacks == 0, "\(name)")
        }
    }
}

@Suite("TieredCache hostile keys")
struct TieredCacheHostileKeyTests {
    @Test("the empty key is a key, and an all-star pattern invalidates it in both tiers, as SCAN MATCH does")
    func emptyKey() async {
        let store = ScriptedKVStore()
        let cache = TieredCache(kvStore: store, logger: Logger(label: "test"))
        await cache.set("", CacheEntry(text: "empty", source: .kb))
        await cache.waitForBackgroundWrites()
        #expect(store.raw("pcache:") != nil)
        #expect(await cache.get("")?.text == "empty")
        let report = await cache.invalidate("**")
        #expect(report.memoryRemoved == 1)
        #expect(report.kvRemoved == 1)
        #expect(store.raw("pcache:") == nil)
    }
}
