import NIOCore

/// Encodes commands as RESP arrays of bulk strings.
enum RESPEncoder {
    /// Appends `command` (arguments as bytes) to `buffer`.
    static func encode(_ command: [[UInt8]], into buffer: inout ByteBuffer) {
        writeHeader(UInt8(ascii: "*"), command.count, into: &buffer)
        for argument in command {
            writeHeader(UInt8(ascii: "$"), argument.count, into: &buffer)
            buffer.writeBytes(argument)
            buffer.writeStaticString("\r\n")
        }
    }

    /// Appends `*count\r\n` or `$length\r\n` without formatting a `String`.
    static func writeHeader(_ type: UInt8, _ value: Int, into buffer: inout ByteBuffer) {
        buffer.writeInteger(type)
        writeDecimal(value, into: &buffer)
        buffer.writeStaticString("\r\n")
    }

    /// Appends a non-negative integer's decimal digits.
    static func writeDecimal(_ value: Int, into buffer: inout ByteBuffer) {
        if value < 10 {
            buffer.writeInteger(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // room for 24 digits
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { raw in
            while rest > 0 {
                raw[23 - count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            }
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: raw[(24 - count)...]))
        }
    }
}
