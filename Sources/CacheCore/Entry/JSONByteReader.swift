/// The one JSON scanner the envelope readers share (``FlatJSONObject``, ``EnvelopeKeyProbe`` and
/// ``EnvelopeFields``): a cursor over borrowed bytes that recognises exactly JSON's grammar for the scalars
/// the envelope uses, so that the three can never disagree about where a string ends or what it holds.
///
/// Strings are scanned to a ``Span`` first and decoded only when a reader needs their text: a reader that
/// looks for one member skips the others without allocating, and a long `value` is copied once.
/// Whatever it decodes, `JSONDecoder` decodes to the same value (the `codec` fuzz target checks this);
/// what it does not take (exponents, long mantissas, nested values) it refuses, and callers fall back.
struct JSONByteReader {
    /// A scalar JSON value.
    enum Scalar: Equatable {
        case string(String)
        case number(Double)
        case bool(Bool)
        case null
    }

    /// A scanned string: the bytes between its quotes, and whether they hold escapes.
    struct Span {
        var start: Int
        var end: Int
        var escaped: Bool

        var count: Int { end - start }
    }

    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { index >= bytes.count }

    /// The next byte, if any, without consuming it.
    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

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

    // MARK: - Strings

    /// Scans a string starting at its opening quote; `nil` when it is not one, is unterminated, or holds a
    /// raw control character. Escapes are skipped, not checked: ``decode(_:)`` checks them.
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

    /// The raw bytes of a span.
    func raw(_ span: Span) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[span.start..<span.end])
    }

    /// Whether a span without escapes holds valid UTF-8 (as `String(validating:)` decides, without
    /// building the string).
    func isValidUTF8(_ span: Span) -> Bool {
        let raw = raw(span)
        // ASCII needs no validation; checking for it first is cheaper than building a UTF8Span.
        if !raw.contains(where: { $0 >= 0x80 }) { return true }
        return (try? UTF8Span(validating: raw.span)) != nil
    }

    /// The text of a scanned string, or `nil` when an escape or its UTF-8 is invalid.
    func decode(_ span: Span) -> String? {
        if !span.escaped {
            let raw = raw(span)
            // ASCII is valid UTF-8 and decodes to the same string either way; `String(validating:)` is
            // generic and looked its metadata up on every call (the KV-hit path decodes `source` each time).
            if !raw.contains(where: { $0 >= 0x80 }) { return String(decoding: raw, as: UTF8.self) }
            return String(validating: raw, as: UTF8.self)
        }
        return unescaped(span).flatMap { String(validating: $0, as: UTF8.self) }
    }

    /// The UTF-8 bytes of a scanned string's text, or `nil` when an escape or its UTF-8 is invalid: the
    /// same bytes as `Array(decode(span)!.utf8)`, copied once.
    func decodedBytes(_ span: Span) -> [UInt8]? {
        guard span.escaped else { return isValidUTF8(span) ? Array(raw(span)) : nil }
        guard let bytes = unescaped(span), (try? UTF8Span(validating: bytes.span)) != nil else { return nil }
        return bytes
    }

    /// Whether a scanned string equals `text` as Swift compares strings (so canonically equivalent forms
    /// match, as they do for the decoder); `nil` when the string is not valid JSON text.
    func equals(_ span: Span, _ text: String) -> Bool? {
        guard !span.escaped else { return decode(span).map { $0 == text } }
        let raw = raw(span)
        let utf8 = text.utf8
        let equalBytes = utf8.withContiguousStorageIfAvailable { $0.elementsEqual(raw) } ?? utf8.elementsEqual(raw)
        // `text` is valid UTF-8, so bytes equal to it are too.
        if equalBytes { return true }
        // Only non-ASCII text can equal `text` without the same bytes (canonical equivalence).
        guard raw.contains(where: { $0 >= 0x80 }) || utf8.contains(where: { $0 >= 0x80 }) else { return false }
        return decode(span).map { $0 == text }
    }

    /// Whether an unescaped, ASCII span is exactly `name` (the envelope's field names are ASCII).
    func isASCII(_ span: Span, _ name: StaticString) -> Bool {
        guard !span.escaped, span.count == name.utf8CodeUnitCount else { return false }
        let start = name.utf8Start
        for offset in 0..<span.count where bytes[span.start + offset] != start[offset] { return false }
        return true
    }

    /// Whether a span is plain ASCII without escapes, so byte comparison is string comparison.
    func isPlainASCII(_ span: Span) -> Bool {
        !span.escaped && !raw(span).contains(where: { $0 >= 0x80 })
    }

    /// The UTF-8 bytes of a string with escapes, escapes resolved; `nil` when one is invalid.
    private func unescaped(_ span: Span) -> [UInt8]? {
        var scratch: [UInt8] = []
        scratch.reserveCapacity(span.count)
        var index = span.start
        while index < span.end {
            let byte = bytes[index]
            index += 1
            guard byte == UInt8(ascii: "\\") else {
                if byte < 0x20 { return nil }
                scratch.append(byte)
                continue
            }
            guard index < span.end else { return nil }
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
                guard var scalar = hex4(at: &index, end: span.end) else { return nil }
                if (0xD800..<0xDC00).contains(scalar) {
                    guard index + 2 <= span.end, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                    else { return nil }
                    index += 2
                    guard let low = hex4(at: &index, end: span.end), (0xDC00..<0xE000).contains(low) else { return nil }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let unicode = Unicode.Scalar(scalar) else { return nil }
                scratch.append(contentsOf: String(unicode).utf8)
            default:
                return nil
            }
        }
        return scratch
    }

    private func hex4(at index: inout Int, end: Int) -> UInt32? {
        guard index + 4 <= end else { return nil }
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

    // MARK: - Other scalars

    /// A scalar value, or `nil` for anything else (nested values, invalid JSON, numbers left to
    /// `JSONDecoder`).
    mutating func scalar() -> Scalar? {
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case UInt8(ascii: "\""): return scanString().flatMap(decode).map(Scalar.string)
        case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
        case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
        case UInt8(ascii: "n"): return literal("null") ? .null : nil
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number().map(Scalar.number)
        default: return nil
        }
    }

    /// A number in JSON's grammar, `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, or `nil`. Only the
    /// plain ones are taken: no exponent and at most 15 digits, which a `Double` holds exactly and every
    /// correctly rounding parser reads the same. Anything else (`1e3`, long mantissas) is left to
    /// `JSONDecoder`, which has its own rules for overflow and underflow (it refuses `1e309` and `1e-400`),
    /// so the two can never disagree.
    mutating func number() -> Double? {
        let start = index
        var digits = 0
        var integer: Int64 = 0
        var fractional = false
        func isDigit(_ at: Int) -> Bool { at < bytes.count && bytes[at] >= UInt8(ascii: "0") && bytes[at] <= UInt8(ascii: "9") }
        let negative = index < bytes.count && bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        guard isDigit(index) else { return nil }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            digits += 1
            // JSON has no leading zeros: `01` is not a number.
            if isDigit(index) { return nil }
        } else {
            while isDigit(index) {
                if digits < 16 { integer = integer * 10 + Int64(bytes[index] - UInt8(ascii: "0")) }
                index += 1
                digits += 1
            }
        }
        if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
            index += 1
            fractional = true
            guard isDigit(index) else { return nil }
            while isDigit(index) {
                index += 1
                digits += 1
            }
        }
        if index < bytes.count && (bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E")) { return nil }
        guard digits <= 15 else { return nil }
        // Integers (timestamps, the version) of up to 15 digits are exact as Double: no text, no strtod.
        if !fractional { return negative ? -Double(integer) : Double(integer) }
        return Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
    }

    mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return false }
        index += count
        return true
    }

    /// Skips one value of any kind, nested ones included, without checking more than where it ends;
    /// `false` when the bytes end first or it is not JSON.
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
}
