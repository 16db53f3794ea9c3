/// A parser for the one shape of JSON the entry envelope uses: a single object whose values are strings,
/// numbers, booleans or null. Anything it does not recognise (nested values, odd numbers, invalid UTF-8,
/// duplicate names) makes it return `nil`, so it can only be stricter than `JSONDecoder`, never more
/// permissive: whatever it accepts, `JSONDecoder` accepts with the same values (the `codec` fuzz target
/// checks this differentially).
///
/// The KV-hit path no longer builds this dictionary (``EnvelopeFields`` reads the envelope's members
/// straight into their fields); it stays as the general form of the same reader (``JSONByteReader``),
/// which the fuzz target holds against `JSONDecoder`.
struct FlatJSONObject {
    typealias Value = JSONByteReader.Scalar

    private(set) var fields: [String: Value] = [:]

    init?(_ bytes: [UInt8]) {
        let parsed: [String: Value]? = bytes.withUnsafeBufferPointer { buffer in
            var reader = JSONByteReader(buffer)
            return Self.parseObject(&reader)
        }
        guard let parsed else { return nil }
        fields = parsed
    }

    subscript(key: String) -> Value? { fields[key] }

    private static func parseObject(_ reader: inout JSONByteReader) -> [String: Value]? {
        reader.skipWhitespace()
        guard reader.consume(UInt8(ascii: "{")) else { return nil }
        var fields = [String: Value](minimumCapacity: 8)
        reader.skipWhitespace()
        if reader.consume(UInt8(ascii: "}")) { return finish(&reader, fields) }
        while true {
            reader.skipWhitespace()
            guard let name = reader.scanString().flatMap({ reader.decode($0) }) else { return nil }
            reader.skipWhitespace()
            guard reader.consume(UInt8(ascii: ":")) else { return nil }
            reader.skipWhitespace()
            guard let value = reader.scalar() else { return nil }
            // Duplicate names are legal JSON but ambiguous; leave them to JSONDecoder.
            guard fields.updateValue(value, forKey: name) == nil else { return nil }
            reader.skipWhitespace()
            if reader.consume(UInt8(ascii: ",")) { continue }
            guard reader.consume(UInt8(ascii: "}")) else { return nil }
            return finish(&reader, fields)
        }
    }

    private static func finish(_ reader: inout JSONByteReader, _ fields: [String: Value]) -> [String: Value]? {
        reader.skipWhitespace()
        return reader.isAtEnd ? fields : nil
    }
}
