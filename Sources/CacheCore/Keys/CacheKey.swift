import Foundation

/// A cache key as the tiers store it.
///
/// Swift compares strings by canonical equivalence (`"é"` precomposed equals `"e\u{301}"`), while Redis
/// compares bytes. So that the two tiers agree on which keys are the same, every key is normalised to
/// Unicode NFC before use; after that, distinct keys have distinct UTF-8 bytes and so distinct KV keys.
/// Any string is a valid key: empty, with spaces, newlines, control or glob characters, up to
/// ``CacheConfiguration/maximumKeyBytes``.
public struct CacheKey: Sendable, Hashable {
    /// The normalised key, as the application sees it.
    public let normalized: String
    /// The key in the KV backend: `<namespace>:<normalized>`.
    public let backendKey: String

    /// Normalises `key` and prefixes it with `namespace`; `nil` when it is longer than `maximumBytes`.
    public init?(_ key: String, namespace: String, maximumBytes: Int) {
        let normalized = Self.normalize(key)
        guard normalized.utf8.count <= maximumBytes else { return nil }
        self.normalized = normalized
        self.backendKey = namespace + ":" + normalized
    }

    /// NFC normalisation, skipped for ASCII keys (already normal) because it is the hot path.
    static func normalize(_ key: String) -> String {
        var isASCII = true
        for byte in key.utf8 where byte >= 0x80 {
            isASCII = false
            break
        }
        return isASCII ? key : key.precomposedStringWithCanonicalMapping
    }
}
