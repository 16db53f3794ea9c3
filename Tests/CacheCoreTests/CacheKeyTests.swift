import CacheCore
import Testing

@Suite("CacheKey")
struct CacheKeyTests {
    @Test("canonically equal strings share a key; distinct strings never do")
    func normalisation() throws {
        let precomposed = try #require(CacheKey("caf\u{E9}", namespace: "ns", maximumBytes: 100))
        let decomposed = try #require(CacheKey("cafe\u{301}", namespace: "ns", maximumBytes: 100))
        #expect(precomposed.backendKey == decomposed.backendKey)
        let keys = ["", " ", "a", "a ", "a\n", "a*", "a?", "[a]", "ns:a", "日本語", "🙂", "\u{0}"]
        let backendKeys = Set(keys.compactMap { CacheKey($0, namespace: "ns", maximumBytes: 100)?.backendKey })
        #expect(backendKeys.count == keys.count)
    }

    @Test("keys longer than the limit are refused")
    func tooLong() {
        #expect(CacheKey(String(repeating: "x", count: 101), namespace: "ns", maximumBytes: 100) == nil)
        #expect(CacheKey(String(repeating: "x", count: 100), namespace: "ns", maximumBytes: 100) != nil)
    }
}
