import CacheCore
import Testing

@Suite("GlobPattern")
struct GlobPatternTests {
    @Test("matches like Redis stringmatchlen", arguments: [
        ("*", "anything", true),
        ("*", "", true),
        ("user:*", "user:42", true),
        ("user:*", "users:42", false),
        ("h?llo", "hello", true),
        ("h?llo", "hllo", false),
        ("h[ae]llo", "hallo", true),
        ("h[ae]llo", "hillo", false),
        ("h[^e]llo", "hallo", true),
        ("h[^e]llo", "hello", false),
        ("h[a-c]llo", "hbllo", true),
        ("h[a-c]llo", "hdllo", false),
        ("a*b*c", "axxbyyc", true),
        ("a*b*c", "axxbyy", false),
        ("\\*", "*", true),
        ("\\*", "x", false),
        ("what\\?", "what?", true),
        ("what\\?", "whatX", false),
        ("", "", true),
        ("", "x", false),
    ])
    func matching(pattern: String, string: String, expected: Bool) {
        #expect(GlobPattern(pattern).matches(string) == expected)
    }

    @Test("escape makes any key match only itself")
    func escaping() {
        let keys = ["a*b", "what?", "[x]", "back\\slash", "plain", "é ç\n\t"]
        for key in keys {
            let pattern = GlobPattern(GlobPattern.escape(key))
            #expect(pattern.matches(key), "\(key)")
            for other in keys where other != key {
                #expect(!pattern.matches(other), "\(key) must not match \(other)")
            }
        }
    }

    @Test("Redis's corner cases, as redis-server 7.0 answers them", arguments: [
        // `[a-]` is the range a…] (`]` is 0x5D), not `a` or `-`: redis-server's KEYS returns a ^ ] _ and `.
        ("[a-]", "a", true), ("[a-]", "]", true), ("[a-]", "^", true), ("[a-]", "_", true), ("[a-]", "`", true),
        ("[a-]", "-", false), ("[a-]", "b", false),
        ("[z-a]", "m", true),
        ("[", "[", false), ("[", "", false),
        ("[^", "x", true), ("[^", "", false),
        ("[abc", "b", true), ("[abc", "d", false),
        ("[]]", "]", false), ("[]]", "]]", false),
        ("[\\]", "\\", false), ("[\\]", "]", true),
        ("\\", "\\", true), ("a\\", "a\\", true),
        ("**", "", false), ("*", "", true), ("", "", true),
        ("a**", "a", true), ("?*", "a", true), ("?*?\n", "\u{7F}\n", false),
    ])
    func redisCornerCases(pattern: String, string: String, expected: Bool) {
        #expect(GlobPattern(pattern).matches(string) == expected)
    }

    @Test("range ends and key bytes compare as C's signed char")
    func signedRanges() {
        let aToFF = GlobPattern(bytes: [UInt8(ascii: "["), UInt8(ascii: "a"), UInt8(ascii: "-"), 0xFF, UInt8(ascii: "]")])
        // As signed chars 0xFF is -1, so the range is -1…97: 0xFF, NUL … `a`, but neither `b` nor 0x80.
        #expect(aToFF.matches(bytes: [0xFF]))
        #expect(aToFF.matches(bytes: [0x00]))
        #expect(aToFF.matches(bytes: Array("-".utf8)))
        #expect(!aToFF.matches(bytes: Array("b".utf8)))
        #expect(!aToFF.matches(bytes: [0x80]))
    }

    @Test("after 1000 nested stars the matcher gives up, as Redis does, and hostile patterns stay cheap")
    func nestingLimit() {
        // redis-server 7.0: KEYS with 1000 `*a` finds a key of 1100 `a`s, with 1001 it finds nothing.
        let keyOfAs = String(repeating: "a", count: 1100)
        #expect(GlobPattern(String(repeating: "*a", count: 1000)).matches(keyOfAs))
        #expect(!GlobPattern(String(repeating: "*a", count: 1001)).matches(keyOfAs))
        #expect(!GlobPattern(String(repeating: "*a", count: 60) + "b").matches(String(repeating: "a", count: 5000)))
    }

    @Test("? matches one UTF-8 byte, as Redis does")
    func questionMarkIsAByte() {
        #expect(!GlobPattern("?").matches("é"))
        #expect(GlobPattern("??").matches("é"))
    }
}
