/// The members of an entry envelope, read in one pass straight into their fields: the KV-hit path's
/// decoder. Where ``FlatJSONObject`` built a dictionary of every member (a hash per name, a `String` per
/// value, the value's text copied twice), this compares names as bytes, checks the key against the one
/// asked for without making a string of it, and copies the value's bytes once.
///
/// It accepts exactly what ``FlatJSONObject`` followed by the envelope's type checks accepted, and returns
/// `nil` for everything else (a nested value, a number it leaves to `JSONDecoder`, a duplicate name, a
/// member of the wrong type), so ``CacheEntryCodec`` falls back to `JSONDecoder` and the two paths can
/// never answer differently (the `codec` fuzz target compares them on every input).
struct EnvelopeFields {
    /// How the envelope's `key` member compares with the key asked for.
    enum KeyMatch {
        /// No `key` member, or `null`.
        case absent
        case matches
        case differs
    }

    var version = 0
    var key = KeyMatch.absent
    /// `value`'s text as UTF-8.
    var value: [UInt8]?
    var valueBase64: String?
    var source: String?
    var createdAt: Double?
    var expiresAt: Double?
    var staleUntil: Double?

    /// The envelope's fields, or `nil` when the fast reader does not take these bytes.
    init?(_ bytes: [UInt8], expectedKey: String) {
        let parsed: Bool = bytes.withUnsafeBufferPointer { buffer in
            var reader = JSONByteReader(buffer)
            return read(&reader, expectedKey: expectedKey)
        }
        guard parsed else { return nil }
    }

    /// The members this reader knows, one bit each, so a duplicate is caught without a dictionary.
    private enum Member: Int {
        case v, key, value, valueBase64, source, createdAt, expiresAt, staleUntil

        static let names: [(StaticString, Member)] = [
            ("v", .v), ("key", .key), ("value", .value), ("valueBase64", .valueBase64), ("source", .source),
            ("createdAt", .createdAt), ("expiresAt", .expiresAt), ("staleUntil", .staleUntil),
        ]

        var bit: UInt16 { 1 << UInt16(rawValue) }
    }

    /// Any more unknown members than this and the reader leaves the envelope to `JSONDecoder` (their names
    /// are compared pairwise to catch duplicates).
    private static let maximumUnknownMembers = 32

    private mutating func read(_ reader: inout JSONByteReader, expectedKey: String) -> Bool {
        reader.skipWhitespace()
        guard reader.consume(UInt8(ascii: "{")) else { return false }
        var seen: UInt16 = 0
        var unknownNames: [String] = []
        reader.skipWhitespace()
        if !reader.consume(UInt8(ascii: "}")) {
            while true {
                reader.skipWhitespace()
                guard let name = reader.scanString() else { return false }
                reader.skipWhitespace()
                guard reader.consume(UInt8(ascii: ":")) else { return false }
                reader.skipWhitespace()
                switch Self.member(named: name, in: reader) {
                case .known(let member):
                    guard seen & member.bit == 0 else { return false }
                    seen |= member.bit
                    guard readValue(of: member, &reader, expectedKey: expectedKey) else { return false }
                case .unknown(let text):
                    // Duplicate names are legal JSON but ambiguous; leave them to JSONDecoder.
                    guard unknownNames.count < Self.maximumUnknownMembers, !unknownNames.contains(text),
                        reader.scalar() != nil
                    else { return false }
                    unknownNames.append(text)
                case .invalid:
                    return false
                }
                reader.skipWhitespace()
                if reader.consume(UInt8(ascii: ",")) { continue }
                guard reader.consume(UInt8(ascii: "}")) else { return false }
                break
            }
        }
        reader.skipWhitespace()
        // `v` is the one member every envelope must have as a number; without it JSONDecoder decides.
        return reader.isAtEnd && seen & Member.v.bit != 0
    }

    private enum Name {
        case known(Member)
        case unknown(String)
        case invalid
    }

    private static func member(named span: JSONByteReader.Span, in reader: JSONByteReader) -> Name {
        if reader.isPlainASCII(span) {
            for (name, member) in Member.names where reader.isASCII(span, name) { return .known(member) }
            return reader.decode(span).map(Name.unknown) ?? .invalid
        }
        // Escaped or non-ASCII: compared as strings, as a dictionary of names would.
        guard let text = reader.decode(span) else { return .invalid }
        for (name, member) in Member.names where text == name.description { return .known(member) }
        return .unknown(text)
    }

    private mutating func readValue(of member: Member, _ reader: inout JSONByteReader, expectedKey: String) -> Bool {
        switch member {
        case .v:
            guard let number = reader.number(), let version = Int(exactly: number) else { return false }
            self.version = version
        case .key:
            if reader.literal("null") { return true }
            guard let span = reader.scanString(), let equal = reader.equals(span, expectedKey) else { return false }
            key = equal ? .matches : .differs
        case .value:
            if reader.literal("null") { return true }
            guard let span = reader.scanString(), let bytes = reader.decodedBytes(span) else { return false }
            value = bytes
        case .valueBase64:
            guard let text = readString(&reader) else { return false }
            valueBase64 = text
        case .source:
            guard let text = readString(&reader) else { return false }
            source = text
        case .createdAt:
            guard let number = readNumber(&reader) else { return false }
            createdAt = number
        case .expiresAt:
            guard let number = readNumber(&reader) else { return false }
            expiresAt = number
        case .staleUntil:
            guard let number = readNumber(&reader) else { return false }
            staleUntil = number
        }
        return true
    }

    /// A string or `null` (`.some(nil)`); `nil` for anything else.
    private func readString(_ reader: inout JSONByteReader) -> String?? {
        if reader.literal("null") { return .some(nil) }
        guard let span = reader.scanString(), let text = reader.decode(span) else { return nil }
        return .some(text)
    }

    /// A number or `null` (`.some(nil)`); `nil` for anything else.
    private func readNumber(_ reader: inout JSONByteReader) -> Double?? {
        if reader.literal("null") { return .some(nil) }
        guard let number = reader.number() else { return nil }
        return .some(number)
    }
}
