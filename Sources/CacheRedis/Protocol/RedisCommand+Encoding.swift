extension RedisCommand {
    /// Appends the command in RESP (`*N\r\n` then `$len\r\narg\r\n` per argument) to `output`.
    func encode(into output: inout [UInt8]) {
        output.reserveCapacity(output.count + bytes.count + 16 * (lengths.count + 1))
        output.append(UInt8(ascii: "*"))
        Self.appendDecimal(lengths.count, to: &output)
        output.append(13)
        output.append(10)
        var offset = 0
        for length in lengths {
            output.append(UInt8(ascii: "$"))
            Self.appendDecimal(length, to: &output)
            output.append(13)
            output.append(10)
            output.append(contentsOf: bytes[offset..<(offset + length)])
            output.append(13)
            output.append(10)
            offset += length
        }
    }

    private static func appendDecimal(_ value: Int, to output: inout [UInt8]) {
        if value < 10 {
            output.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var remaining = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            while remaining > 0 {
                buffer[count] = UInt8(ascii: "0") + UInt8(remaining % 10)
                remaining /= 10
                count += 1
            }
            for index in stride(from: count - 1, through: 0, by: -1) { output.append(buffer[index]) }
        }
    }
}
