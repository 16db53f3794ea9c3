import NIOCore

extension JSONWriter {
    /// Appends `bytes` (valid UTF-8) as a JSON string literal, escaped as the `[UInt8]` form escapes:
    /// quotes, backslashes and control characters. Runs that need no escape are copied whole.
    ///
    /// For the hot paths (the bridge's replies, the REST tier's request bodies): straight into the
    /// buffer that goes on the wire, without a `String` or an intermediate array.
    public static func writeString(_ bytes: UnsafeRawBufferPointer, into output: inout ByteBuffer) {
        output.writeInteger(UInt8(ascii: "\""))
        var runStart = 0
        for index in 0..<bytes.count {
            let byte = bytes[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            if index > runStart { output.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[runStart..<index])) }
            runStart = index + 1
            switch byte {
            case UInt8(ascii: "\""): output.writeStaticString(#"\""#)
            case UInt8(ascii: "\\"): output.writeStaticString(#"\\"#)
            case 0x0A: output.writeStaticString(#"\n"#)
            case 0x0D: output.writeStaticString(#"\r"#)
            case 0x09: output.writeStaticString(#"\t"#)
            default:
                output.writeStaticString(#"\u00"#)
                output.writeInteger(hexDigits[Int(byte >> 4)])
                output.writeInteger(hexDigits[Int(byte & 0x0F)])
            }
        }
        if bytes.count > runStart { output.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[runStart...])) }
        output.writeInteger(UInt8(ascii: "\""))
    }

    /// Appends `text` as a JSON string literal.
    public static func writeString(_ text: String, into output: inout ByteBuffer) {
        var text = text
        text.withUTF8 { writeString(UnsafeRawBufferPointer($0), into: &output) }
    }

    /// Appends `bytes` as a JSON string literal; bytes that are not valid UTF-8 become U+FFFD (as
    /// `String(decoding:as:)` repairs them).
    public static func writeRepairingString(_ bytes: UnsafeRawBufferPointer, into output: inout ByteBuffer) {
        if isASCII(bytes) {
            writeString(bytes, into: &output)
        } else {
            writeString(String(decoding: bytes, as: UTF8.self), into: &output)
        }
    }

    /// Whether every byte is ASCII (so the bytes are valid UTF-8 without further checking).
    public static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        !bytes.contains { $0 >= 0x80 }
    }
}
