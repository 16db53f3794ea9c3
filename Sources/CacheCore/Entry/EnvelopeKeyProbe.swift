import Foundation

/// Finds which key a stored envelope names, without decoding the whole envelope: the check a KV store runs
/// on the I/O thread, before accepting a reply, to prove the reply is not another command's
/// (see ``KVStore/get(_:maximumBytes:verify:deadline:)``).
///
/// It walks the top-level JSON object, skipping every value except the `key` member's (string contents are
/// skipped as strings, so a value that *contains* `"key":"…"` cannot fool it), and compares that member with
/// the expected key as ``CacheEntryCodec`` does: as Swift strings, so canonically equivalent forms match.
/// It stops at the first `key` member that matches (the envelope this library writes has its keys sorted,
/// so the long `value` is never walked); the decoder still checks the whole envelope afterwards. It
/// allocates only when a key has escapes, or non-ASCII bytes that differ.
public enum EnvelopeKeyProbe {
    /// What the probe found.
    public enum Result: Sendable, Hashable {
        /// The object's `key` member is the expected key.
        case matches
        /// A top-level `key` member names another key: proof that the bytes belong to another key.
        case other
        /// No top-level `key` string member (the decoder then decides: a key-less entry is a miss).
        case absent
        /// Not a JSON object the probe could walk (the decoder then decides: a malformed entry is a miss).
        case unreadable
    }

    /// Probes `bytes` for the top-level `key` member and compares it with `expectedKey`.
    public static func probe(_ bytes: [UInt8], expectedKey: String) -> Result {
        bytes.withUnsafeBufferPointer { buffer in
            var walker = Walker(bytes: buffer)
            return walker.run(expectedKey: expectedKey)
        }
    }

    private struct Walker {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        mutating func run(expectedKey: String) -> Result {
            skipWhitespace()
            guard consume(UInt8(ascii: "{")) else { return .unreadable }
            skipWhitespace()
            if consume(UInt8(ascii: "}")) { return .absent }
            while true {
                skipWhitespace()
                guard let name = scanString() else { return .unreadable }
                skipWhitespace()
                guard consume(UInt8(ascii: ":")) else { return .unreadable }
                skipWhitespace()
                if isKeyName(name), index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
                    guard let value = scanString() else { return .unreadable }
                    switch compare(value, with: expectedKey) {
                    case true?: return .matches
                    case false?: return .other
                    case nil: return .unreadable
                    }
                } else {
                    guard skipValue() else { return .unreadable }
                }
                skipWhitespace()
                if consume(UInt8(ascii: ",")) { continue }
                if consume(UInt8(ascii: "}")) { return .absent }
                return .unreadable
            }
        }

        /// A scanned string: the range between its quotes, and whether it has escapes.
        struct Span {
            var start: Int
            var end: Int
            var escaped: Bool
        }

        mutating func consume(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        /// Scans a string starting at its opening quote; `nil` when it is not one or is unterminated.
        mutating func scanString() -> Span? {
            guard consume(UInt8(ascii: "\"")) else { return nil }
            let start = index
            var escaped = false
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    defer { index += 1 }
                    return Span(start: start, end: index, escaped: escaped)
                }
                if byte == UInt8(ascii: "\\") {
                    escaped = true
                    index += 2
                    continue
                }
                if byte < 0x20 { return nil }
                index += 1
            }
            return nil
        }

        /// Skips one value of any kind; `false` when the bytes end first or are not JSON.
        mutating func skipValue() -> Bool {
            guard index < bytes.count else { return false }
            switch bytes[index] {
            case UInt8(ascii: "\""):
                return scanString() != nil
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var depth = 0
                while index < bytes.count {
                    switch bytes[index] {
                    case UInt8(ascii: "\""):
                        guard scanString() != nil else { return false }
                        continue
                    case UInt8(ascii: "{"), UInt8(ascii: "["):
                        depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        depth -= 1
                        if depth == 0 {
                            index += 1
                            return true
                        }
                    default:
                        break
                    }
                    index += 1
                }
                return false
            default:
                // A number or a literal: up to the next delimiter.
                let start = index
                while index < bytes.count {
                    switch bytes[index] {
                    case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D:
                        return index > start
                    default:
                        index += 1
                    }
                }
                return false
            }
        }

        func isKeyName(_ name: Span) -> Bool {
            if !name.escaped {
                return name.end - name.start == 3 && bytes[name.start] == UInt8(ascii: "k")
                    && bytes[name.start + 1] == UInt8(ascii: "e") && bytes[name.start + 2] == UInt8(ascii: "y")
            }
            return unescape(name) == "key"
        }

        /// Whether the string equals `expected` as the decoder would compare them; `nil` when it is not a
        /// valid JSON string.
        func compare(_ value: Span, with expected: String) -> Bool? {
            if !value.escaped {
                let raw = UnsafeBufferPointer(rebasing: bytes[value.start..<value.end])
                let utf8 = expected.utf8
                let equalBytes = utf8.withContiguousStorageIfAvailable { $0.elementsEqual(raw) } ?? utf8.elementsEqual(raw)
                if equalBytes { return true }
                // Only non-ASCII text can be equal to `expected` without the same bytes (canonical equivalence).
                guard raw.contains(where: { $0 >= 0x80 }) || utf8.contains(where: { $0 >= 0x80 }) else { return false }
                guard let text = String(validating: raw, as: UTF8.self) else { return nil }
                return text == expected
            }
            guard let text = unescape(value) else { return nil }
            return text == expected
        }

        /// The text of a JSON string that has escapes, decoded by `JSONDecoder` itself (the decoder the
        /// codec falls back to), so escapes mean exactly what they mean there; `nil` when it is invalid.
        /// Rare: keys this library writes need escapes only for quotes, backslashes and control characters.
        func unescape(_ span: Span) -> String? {
            let quoted = Data(UnsafeBufferPointer(rebasing: bytes[(span.start - 1)...span.end]))
            return try? JSONDecoder().decode(String.self, from: quoted)
        }
    }
}
