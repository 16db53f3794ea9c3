/// A glob pattern with exactly the semantics of Redis `SCAN … MATCH` / `KEYS` (redis-server 7.0's
/// `stringmatchlen`, case-sensitive), so that ``TieredCache/invalidate(_:)`` removes the same keys from
/// memory as from the KV tier.
///
/// - `*` matches any run of bytes, `?` exactly one byte (one UTF-8 byte, as in Redis, not one character);
/// - `[abc]`, `[^abc]`, `[a-z]` match one byte from a set; a range's ends may be given in either order;
/// - `\x` matches `x` literally: escape `*`, `?`, `[`, `]` and `\` to match keys that contain them
///   (``escape(_:)`` does this for a whole literal string).
///
/// Redis's corner cases are kept on purpose, because a pattern that meant something else here than in
/// Redis would clear different keys from the two tiers: `[a-]` is the range from `a` to `]`; an
/// unterminated class `[abc` ends at the pattern's end; a trailing lone `\` matches a backslash; a range's
/// ends and the key's byte are compared as C's signed `char` (so a range reaching a byte ≥ 0x80 wraps to
/// the low end); a pattern other than exactly `*` never matches the empty key; and after 1000 nested `*`
/// the matcher gives up and reports no match (Redis's guard against abusive patterns).
public struct GlobPattern: Sendable, Hashable {
    /// The pattern's text.
    public let pattern: String
    private let bytes: [UInt8]

    /// Creates a pattern.
    public init(_ pattern: String) {
        self.pattern = pattern
        self.bytes = Array(pattern.utf8)
    }

    /// Creates a pattern from raw bytes, as a Redis client may send one that is not valid UTF-8
    /// (``pattern`` then shows invalid sequences as U+FFFD; matching uses the bytes).
    public init(bytes: [UInt8]) {
        self.pattern = String(decoding: bytes, as: UTF8.self)
        self.bytes = bytes
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

    /// Redis's limit on nested `*` (`stringmatchlen_impl`'s `nesting > 1000`): deeper, it reports no match.
    static let maximumNesting = 1000

    /// `stringmatchlen(pattern, string, nocase: 0)`, plus `SCAN`'s shortcut that a pattern of exactly `*`
    /// is no filter at all (so it matches the empty key, which `stringmatchlen` alone would not).
    ///
    /// Redis recurses once per `*`; this keeps those frames in an array instead, so that a hostile pattern
    /// cannot exhaust a small thread stack. Each frame is a `*` whose continuation is being tried from one
    /// string position; Redis's `skipLongerMatches` is the rule that once some `*` has tried its
    /// continuation at every remaining position and failed, the whole match fails.
    private static func match<P: RandomAccessCollection<UInt8>, S: RandomAccessCollection<UInt8>>(_ pattern: P, _ string: S) -> Bool
    where P.Index == Int, S.Index == Int {
        if pattern.count == 1 && pattern.first == UInt8(ascii: "*") { return true }
        var frames: [(continuation: Int, position: Int)] = []
        var p = pattern.startIndex
        var s = string.startIndex
        while true {
            var result: Bool
            if frames.count > maximumNesting {
                result = false
            } else {
                switch matchUntilStar(pattern, from: p, string, from: s) {
                case .matched(let matched):
                    result = matched
                case .star(let continuation, let position):
                    frames.append((continuation, position))
                    p = continuation
                    s = position
                    continue
                }
            }
            // Return `result` to the `*` that started this attempt.
            while true {
                if result { return true }
                guard let frame = frames.popLast() else { return false }
                let next = frame.position + 1
                if next < string.endIndex {
                    frames.append((frame.continuation, next))
                    p = frame.continuation
                    s = next
                    break
                }
                // This `*` failed from every position: Redis's skipLongerMatches, no earlier `*` can help.
                return false
            }
        }
    }

    private enum Step {
        /// The attempt ended with this result.
        case matched(Bool)
        /// A `*` that is not the pattern's last byte: try its continuation (at this pattern index) from
        /// string index `position` onwards.
        case star(continuation: Int, position: Int)
    }

    /// One call of Redis's `stringmatchlen_impl` up to its first `*`. Where C reads one byte past the
    /// pattern's end it finds the NUL that ends every Redis string; `byte(at:)` returns that 0.
    private static func matchUntilStar<P: RandomAccessCollection<UInt8>, S: RandomAccessCollection<UInt8>>(
        _ pattern: P, from start: Int, _ string: S, from stringStart: Int
    ) -> Step where P.Index == Int, S.Index == Int {
        func byte(_ index: Int) -> UInt8 { index < pattern.endIndex ? pattern[index] : 0 }
        // Bytes as C's signed `char`, for range comparisons.
        func signed(_ value: UInt8) -> Int { Int(Int8(bitPattern: value)) }
        var p = start
        var s = stringStart
        var patternLength = pattern.endIndex - start
        var stringLength = string.endIndex - stringStart
        while patternLength > 0 && stringLength > 0 {
            switch byte(p) {
            case UInt8(ascii: "*"):
                while patternLength > 0 && byte(p + 1) == UInt8(ascii: "*") {
                    p += 1
                    patternLength -= 1
                }
                if patternLength == 1 { return .matched(true) }
                return .star(continuation: p + 1, position: s)
            case UInt8(ascii: "?"):
                s += 1
                stringLength -= 1
            case UInt8(ascii: "["):
                p += 1
                patternLength -= 1
                let negate = byte(p) == UInt8(ascii: "^")
                if negate {
                    p += 1
                    patternLength -= 1
                }
                var matched = false
                let c = string[s]
                while true {
                    if byte(p) == UInt8(ascii: "\\") && patternLength >= 2 {
                        p += 1
                        patternLength -= 1
                        if byte(p) == c { matched = true }
                    } else if byte(p) == UInt8(ascii: "]") {
                        break
                    } else if patternLength == 0 {
                        p -= 1
                        patternLength += 1
                        break
                    } else if patternLength >= 3 && byte(p + 1) == UInt8(ascii: "-") {
                        var low = signed(byte(p))
                        var high = signed(byte(p + 2))
                        if low > high { swap(&low, &high) }
                        p += 2
                        patternLength -= 2
                        if (low...high).contains(signed(c)) { matched = true }
                    } else if byte(p) == c {
                        matched = true
                    }
                    p += 1
                    patternLength -= 1
                }
                if negate { matched.toggle() }
                if !matched { return .matched(false) }
                s += 1
                stringLength -= 1
            default:
                if byte(p) == UInt8(ascii: "\\") && patternLength >= 2 {
                    p += 1
                    patternLength -= 1
                }
                if byte(p) != string[s] { return .matched(false) }
                s += 1
                stringLength -= 1
            }
            p += 1
            patternLength -= 1
            if stringLength == 0 {
                while byte(p) == UInt8(ascii: "*") {
                    p += 1
                    patternLength -= 1
                }
                break
            }
        }
        return .matched(patternLength == 0 && stringLength == 0)
    }
}
