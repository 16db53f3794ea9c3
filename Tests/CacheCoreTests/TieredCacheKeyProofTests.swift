import CacheCore
import Logging
import Testing

/// Defect 11 of issue 7: no entry is served for a key it cannot be proven to belong to.
@Suite("TieredCache key proof")
struct TieredCacheKeyProofTests {
    private let logger = Logger(label: "test")

    @Test("an entry without a key field is a counted miss, never served, never kept in memory")
    func keylessEntry() async {
        let store = ScriptedKVStore()
        let cache = TieredCache(kvStore: store, logger: logger)
        let keyless = Array(#"{"v":1,"value":"some answer","source":"kb","createdAt":1764265200000}"#.utf8)
        store.store(raw: keyless, at: "pcache:q")
        let found = await cache.lookup("q")
        #expect(found.entry == nil)
        #expect(cache.memory.get("q") == nil)
        await cache.waitForBackgroundWrites()
        #expect(store.raw("pcache:q") == keyless, "nothing is written back under the asked key")
        #expect(cache.statistics().keylessEntries == 1)
    }

    @Test("a reply naming another key is refused by the store as a protocol error and counted")
    func replyForAnotherKey() async {
        let store = ScriptedKVStore()
        let cache = TieredCache(kvStore: store, logger: logger)
        store.store(raw: CacheEntryCodec.encode(CacheEntry(text: "for p", source: .kb), key: "p", expiresAt: nil), at: "pcache:q")
        let found = await cache.lookup("q")
        #expect(found.entry == nil)
        #expect(found.kvError == .protocolError, "the store must have been given a verify check that refused it")
        let stats = cache.statistics()
        #expect(stats.misPairedReplies == 1)
        #expect(stats.kvErrorsByClass[KVError.Code.protocolError.name] == 1)
    }

    @Test("the codec refuses an envelope without a key")
    func codecRequiresKey() {
        let keyless = Array(#"{"v":1,"value":"x","source":"kb"}"#.utf8)
        #expect(throws: CacheEntryCodec.DecodeError.missingKey) { try CacheEntryCodec.decode(keyless, expectedKey: "q") }
    }

    @Test("the key probe finds the top-level key without being fooled by values", arguments: [
        (#"{"v":1,"key":"q","value":"v"}"#, EnvelopeKeyProbe.Result.matches),
        (#"{"v":1,"key":"p","value":"v"}"#, .other),
        (#" { "value" : "\"key\":\"p\"" , "key" : "q" } "#, .matches),
        (#"{"nested":{"key":"p"},"list":["key","p"],"key":"q"}"#, .matches),
        (#"{"v":1,"value":"v"}"#, .absent),
        (#"{"\u006bey":"p"}"#, .other),
        (#"{"key":"\u0071"}"#, .matches),
        (#"{"key":"p","key":"q"}"#, .other),
        // The probe stops at the first matching key (the decoder still checks the whole envelope).
        (#"{"key":"q","key":"p"}"#, .matches),
        (#"{"key":"q","#, .matches),
        (#"{"value":"x""#, .unreadable),
        ("not json", .unreadable),
        (#"{"key":17}"#, .absent),
        ("", .unreadable),
    ])
    func probe(json: String, expected: EnvelopeKeyProbe.Result) {
        #expect(EnvelopeKeyProbe.probe(Array(json.utf8), expectedKey: "q") == expected)
    }

    @Test("the probe compares keys as the decoder does: canonically equivalent forms match")
    func canonicalEquivalence() {
        let decomposed = Array(#"{"key":"cafe\#u{301}"}"#.utf8)
        #expect(EnvelopeKeyProbe.probe(decomposed, expectedKey: "caf\u{E9}") == .matches)
        #expect(EnvelopeKeyProbe.probe(Array(#"{"key":"caf\u00e9"}"#.utf8), expectedKey: "caf\u{E9}") == .matches)
        #expect(EnvelopeKeyProbe.probe(Array(#"{"key":"cafe"}"#.utf8), expectedKey: "caf\u{E9}") == .other)
    }

    @Test("keys the encoder escapes are matched, and told apart from their neighbours", arguments: [
        "quote \" backslash \\ slash /", "controls \u{1}\n\t", "unicode é 日本 🙂 \u{2028}", "", "key",
    ])
    func escapedKeys(key: String) {
        let encoded = CacheEntryCodec.encode(CacheEntry(text: "v", source: .kb), key: key, expiresAt: nil)
        #expect(EnvelopeKeyProbe.probe(encoded, expectedKey: key) == .matches)
        #expect(EnvelopeKeyProbe.probe(encoded, expectedKey: key + "x") == .other)
    }
}
