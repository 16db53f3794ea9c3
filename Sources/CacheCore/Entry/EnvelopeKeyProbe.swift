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
            var reader = JSONByteReader(buffer)
            return run(&reader, expectedKey: expectedKey)
        }
    }

    private static func run(_ reader: inout JSONByteReader, expectedKey: String) -> Result {
        reader.skipWhitespace()
        guard reader.consume(UInt8(ascii: "{")) else { return .unreadable }
        reader.skipWhitespace()
        if reader.consume(UInt8(ascii: "}")) { return .absent }
        while true {
            reader.skipWhitespace()
            guard let name = reader.scanString() else { return .unreadable }
            reader.skipWhitespace()
            guard reader.consume(UInt8(ascii: ":")) else { return .unreadable }
            reader.skipWhitespace()
            if isKeyName(name, in: reader), reader.peek == UInt8(ascii: "\"") {
                guard let value = reader.scanString() else { return .unreadable }
                switch compare(value, with: expectedKey, in: reader) {
                case true?: return .matches
                case false?: return .other
                case nil: return .unreadable
                }
            } else {
                guard reader.skipValue() else { return .unreadable }
            }
            reader.skipWhitespace()
            if reader.consume(UInt8(ascii: ",")) { continue }
            if reader.consume(UInt8(ascii: "}")) { return .absent }
            return .unreadable
        }
    }

    private static func isKeyName(_ name: JSONByteReader.Span, in reader: JSONByteReader) -> Bool {
        if !name.escaped { return reader.isASCII(name, "key") }
        return unescape(name, in: reader) == "key"
    }

    /// Whether the string equals `expected` as the decoder would compare them; `nil` when it is not a
    /// valid JSON string.
    private static func compare(_ value: JSONByteReader.Span, with expected: String, in reader: JSONByteReader) -> Bool? {
        if !value.escaped { return reader.equals(value, expected) }
        return unescape(value, in: reader).map { $0 == expected }
    }

    /// The text of a JSON string that has escapes: the shared reader's, or, where it refuses one (a lone
    /// surrogate), `JSONDecoder`'s own reading, so escapes mean exactly what they mean to the decoder the
    /// codec falls back to. Rare: keys this library writes need escapes only for quotes, backslashes and
    /// control characters.
    private static func unescape(_ span: JSONByteReader.Span, in reader: JSONByteReader) -> String? {
        if let text = reader.decode(span) { return text }
        let quoted = Data(UnsafeBufferPointer(rebasing: reader.bytes[(span.start - 1)...span.end]))
        return try? JSONDecoder().decode(String.self, from: quoted)
    }
}
