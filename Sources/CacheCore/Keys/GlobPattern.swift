/// A glob pattern with exactly the semantics of Redis `SCAN … MATCH` / `KEYS` (`stringmatchlen`), so that
/// ``TieredCache/invalidate(_:)`` removes the same keys from memory as from the KV tier.
///
/// - `*` matches any run of bytes, `?` exactly one byte (one UTF-8 byte, as in Redis, not one character);
/// - `[abc]`, `[^abc]`, `[a-z]` match one byte from a set;
/// - `\x` matches `x` literally: escape `*`, `?`, `[`, `]` and `\` to match keys that contain them
///   (``escape(_:)`` does this for a whole literal string).
public struct GlobPattern: Sendable, Hashable {
    /// The pattern's text.
    public let pattern: String
    private let bytes: [UInt8]

    /// Creates a pattern.
    public init(_ pattern: String) {
        self.pattern = pattern
        self.bytes = Array(pattern.utf8)
    }

    /// Whether the pattern matches every string (`*`, `**`, …).
    public var matchesEverything: Bool { !bytes.isEmpty && bytes.allSatisfy { $0 == UInt8(ascii: "*") } }

    /// Whether `string` matches the pattern.
    public func matches(_ string: String) -> Bool {
        var utf8 = string.utf8
        if let result = utf8.withContiguousStorageIfAvailable({ Self.match(bytes[...], $0[...]) }) {
            return result
        }
        utf8 = string.utf8
        return Self.match(bytes[...], Array(utf8)[...])
    }

    /// Whether the raw bytes `string` match the pattern (for keys that need not be valid UTF-8).
    public func matches(bytes string: [UInt8]) -> Bool {
        Self.match(bytes[...], string[...])
    }

    /// `literal` with every glob metacharacter escaped, so that it matches only itself.
    public static func escape(_ literal: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(literal.utf8.count)
        for character in literal.unicodeScalars {
            if "*?[]\\".unicodeScalars.contains(character) { escaped.unicodeScalars.append("\\") }
            escaped.unicodeScalars.append(character)
        }
        return escaped
    }

    private static func match<P: Collection<UInt8>, S: Collection<UInt8>>(_ pattern: P, _ string: S) -> Bool
    where P.Index == Int, S.Index == Int {
        var p = pattern.startIndex
        var s = string.startIndex
        // Backtracking point for the last `*`: where it was in the pattern and how much of the string it has taken.
        var starPattern: Int? = nil
        var starString = 0
        while s < string.endIndex {
            if p < pattern.endIndex {
                let token = pattern[p]
                if token == UInt8(ascii: "*") {
                    starPattern = p
                    starString = s
                    p += 1
                    continue
                }
                if let (matched, next) = matchOne(pattern, at: p, byte: string[s]), matched {
                    p = next
                    s += 1
                    continue
                }
            }
            // Mismatch: let the last `*` take one more byte, or fail.
            guard let star = starPattern else { return false }
            p = star + 1
            starString += 1
            s = starString
        }
        while p < pattern.endIndex && pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.endIndex
    }

    /// Matches one non-`*` pattern token at `p` against `byte`; returns whether it matched and the index
    /// after the token.
    private static func matchOne<P: Collection<UInt8>>(_ pattern: P, at start: Int, byte: UInt8) -> (Bool, Int)?
    where P.Index == Int {
        var p = start
        switch pattern[p] {
        case UInt8(ascii: "?"):
            return (true, p + 1)
        case UInt8(ascii: "\\") where p + 1 < pattern.endIndex:
            return (pattern[p + 1] == byte, p + 2)
        case UInt8(ascii: "["):
            p += 1
            var negate = false
            if p < pattern.endIndex && pattern[p] == UInt8(ascii: "^") {
                negate = true
                p += 1
            }
            var matched = false
            while p < pattern.endIndex && pattern[p] != UInt8(ascii: "]") {
                if pattern[p] == UInt8(ascii: "\\") && p + 1 < pattern.endIndex {
                    if pattern[p + 1] == byte { matched = true }
                    p += 2
                } else if p + 2 < pattern.endIndex && pattern[p + 1] == UInt8(ascii: "-") && pattern[p + 2] != UInt8(ascii: "]") {
                    let low = min(pattern[p], pattern[p + 2])
                    let high = max(pattern[p], pattern[p + 2])
                    if byte >= low && byte <= high { matched = true }
                    p += 3
                } else {
                    if pattern[p] == byte { matched = true }
                    p += 1
                }
            }
            // Redis treats an unterminated class as ending at the pattern's end.
            if p < pattern.endIndex { p += 1 }
            return (matched != negate, p)
        default:
            return (pattern[p] == byte, p + 1)
        }
    }
}
