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
            return unescape(name).map { $0 == Array("key".utf8) } ?? false
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
            guard let unescaped = unescape(value), let text = String(validating: unescaped, as: UTF8.self) else { return nil }
            return text == expected
        }

        /// The bytes of a JSON string with its escapes resolved; `nil` for an invalid escape.
        func unescape(_ span: Span) -> [UInt8]? {
            var output: [UInt8] = []
            output.reserveCapacity(span.end - span.start)
            var position = span.start
            func hex4(at offset: Int) -> UInt32? {
                guard offset + 4 <= span.end else { return nil }
                var value: UInt32 = 0
                for byte in bytes[offset..<offset + 4] {
                    let digit: UInt8
                    switch byte {
                    case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                    case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                    case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                    default: return nil
                    }
                    value = value << 4 | UInt32(digit)
                }
                return value
            }
            while position < span.end {
                let byte = bytes[position]
                guard byte == UInt8(ascii: "\\") else {
                    output.append(byte)
                    position += 1
                    continue
                }
                guard position + 1 < span.end else { return nil }
                let escape = bytes[position + 1]
                position += 2
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): output.append(escape)
                case UInt8(ascii: "b"): output.append(0x08)
                case UInt8(ascii: "f"): output.append(0x0C)
                case UInt8(ascii: "n"): output.append(0x0A)
                case UInt8(ascii: "r"): output.append(0x0D)
                case UInt8(ascii: "t"): output.append(0x09)
                case UInt8(ascii: "u"):
                    guard var scalar = hex4(at: position) else { return nil }
                    position += 4
                    if (0xD800..<0xDC00).contains(scalar) {
                        // A high surrogate must be followed by an escaped low one.
                        guard position + 6 <= span.end, bytes[position] == UInt8(ascii: "\\"),
                              bytes[position + 1] == UInt8(ascii: "u"), let low = hex4(at: position + 2),
                              (0xDC00..<0xE000).contains(low)
                        else { return nil }
                        position += 6
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { return nil }
                    Unicode.UTF8.encode(unicode) { output.append($0) }
                default:
                    return nil
                }
            }
            return output
        }
    }
}
