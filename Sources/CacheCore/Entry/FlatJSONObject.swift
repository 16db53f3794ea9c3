/// A parser for the one shape of JSON the entry envelope uses: a single object whose values are strings,
/// numbers, booleans or null. It exists because decoding the envelope sits on the KV-hit path, where
/// `JSONDecoder` cost about as much as a quarter of a Redis round trip; anything it does not recognise
/// (nested values, odd numbers, invalid UTF-8) makes it return `nil`, and the caller falls back to
/// `JSONDecoder`, so it can only be faster, never more permissive: whatever it accepts, `JSONDecoder`
/// accepts with the same values (the `codec` fuzz target checks this differentially).
struct FlatJSONObject {
    enum Value: Equatable {
        case string(String)
        case number(Double)
        case bool(Bool)
        case null
    }

    private(set) var fields: [String: Value] = [:]

    init?(_ bytes: [UInt8]) {
        var parsed: [String: Value]?
        bytes.withUnsafeBufferPointer { buffer in
            var parser = Parser(bytes: buffer)
            parsed = parser.parseObject()
        }
        guard let parsed else { return nil }
        fields = parsed
    }

    subscript(key: String) -> Value? { fields[key] }

    private struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        mutating func parseObject() -> [String: Value]? {
            skipWhitespace()
            guard consume(UInt8(ascii: "{")) else { return nil }
            // Sized for an envelope's six fields up front: growing from empty rehashed it three times, which
            // showed as 2.5% of all samples of a KV hit at c64.
            var fields = [String: Value](minimumCapacity: 8)
            skipWhitespace()
            if consume(UInt8(ascii: "}")) { return finish(fields) }
            while true {
                skipWhitespace()
                guard let key = parseString() else { return nil }
                skipWhitespace()
                guard consume(UInt8(ascii: ":")) else { return nil }
                skipWhitespace()
                guard let value = parseValue() else { return nil }
                // Duplicate keys are legal JSON but ambiguous; leave them to JSONDecoder.
                guard fields.updateValue(value, forKey: key) == nil else { return nil }
                skipWhitespace()
                if consume(UInt8(ascii: ",")) { continue }
                guard consume(UInt8(ascii: "}")) else { return nil }
                return finish(fields)
            }
        }

        private mutating func finish(_ fields: [String: Value]) -> [String: Value]? {
            skipWhitespace()
            return index == bytes.count ? fields : nil
        }

        private mutating func parseValue() -> Value? {
            guard index < bytes.count else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "\""): return parseString().map(Value.string)
            case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
            case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
            case UInt8(ascii: "n"): return literal("null") ? .null : nil
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return parseNumber().map(Value.number)
            default: return nil
            }
        }

        /// A number in JSON's grammar, `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, or `nil`. Only
        /// the plain ones are taken here: no exponent and at most 15 digits, which a `Double` holds exactly
        /// and every correctly rounding parser reads the same. Anything else (`1e3`, long mantissas) is
        /// left to `JSONDecoder`, which has its own rules for overflow and underflow (it refuses `1e309`
        /// and `1e-400`), so the two can never disagree.
        private mutating func parseNumber() -> Double? {
            let start = index
            var digits = 0
            func isDigit(_ at: Int) -> Bool { at < bytes.count && bytes[at] >= UInt8(ascii: "0") && bytes[at] <= UInt8(ascii: "9") }
            if index < bytes.count && bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard isDigit(index) else { return nil }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
                digits += 1
                // JSON has no leading zeros: `01` is not a number.
                if isDigit(index) { return nil }
            } else {
                while isDigit(index) {
                    index += 1
                    digits += 1
                }
            }
            if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard isDigit(index) else { return nil }
                while isDigit(index) {
                    index += 1
                    digits += 1
                }
            }
            if index < bytes.count && (bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E")) { return nil }
            guard digits <= 15 else { return nil }
            return Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
        }

        private mutating func parseString() -> String? {
            guard consume(UInt8(ascii: "\"")) else { return nil }
            let start = index
            // Fast path: no escapes, so the bytes between the quotes are the string.
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    let text = String(validating: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                    index += 1
                    return text
                }
                if byte == UInt8(ascii: "\\") { break }
                if byte < 0x20 { return nil }
                index += 1
            }
            var scratch = Array(bytes[start..<index])
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return String(validating: scratch, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard index < bytes.count else { return nil }
                    let escape = bytes[index]
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(escape)
                    case UInt8(ascii: "b"): scratch.append(0x08)
                    case UInt8(ascii: "f"): scratch.append(0x0C)
                    case UInt8(ascii: "n"): scratch.append(0x0A)
                    case UInt8(ascii: "r"): scratch.append(0x0D)
                    case UInt8(ascii: "t"): scratch.append(0x09)
                    case UInt8(ascii: "u"):
                        guard var scalar = parseHex4() else { return nil }
                        if (0xD800..<0xDC00).contains(scalar) {
                            guard consume(UInt8(ascii: "\\")), consume(UInt8(ascii: "u")), let low = parseHex4(),
                                (0xDC00..<0xE000).contains(low)
                            else { return nil }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let unicode = Unicode.Scalar(scalar) else { return nil }
                        scratch.append(contentsOf: String(unicode).utf8)
                    default:
                        return nil
                    }
                default:
                    if byte < 0x20 { return nil }
                    scratch.append(byte)
                }
            }
            return nil
        }

        private mutating func parseHex4() -> UInt32? {
            guard index + 4 <= bytes.count else { return nil }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                index += 1
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default: return nil
                }
                value = value << 4 | digit
            }
            return value
        }

        private mutating func literal(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return false }
            index += count
            return true
        }

        private mutating func consume(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        private mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }
    }
}
