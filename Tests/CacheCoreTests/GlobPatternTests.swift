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

    @Test("? matches one UTF-8 byte, as Redis does")
    func questionMarkIsAByte() {
        #expect(!GlobPattern("?").matches("é"))
        #expect(GlobPattern("??").matches("é"))
    }
}
