extension RedisCommand {
    /// Appends the command in RESP to `output`.
    func encode(into output: inout [UInt8]) {
        output.append(contentsOf: encoded)
    }

    /// Writes a command's RESP argument by argument into one buffer, sized up front.
    struct Builder {
        private(set) var bytes: [UInt8] = []
        private var missing: Int

        /// A command of `argumentCount` arguments whose bytes add up to about `payloadBytes`.
        init(argumentCount: Int, payloadBytes: Int) {
            missing = argumentCount
            // Each argument's header and CRLF take at most 16 bytes below a petabyte.
            bytes.reserveCapacity(payloadBytes + 16 * (argumentCount + 1))
            bytes.append(UInt8(ascii: "*"))
            Self.appendDecimal(argumentCount, to: &bytes)
            bytes.append(13)
            bytes.append(10)
        }

        /// Whether every announced argument was appended.
        var isComplete: Bool { missing == 0 }

        /// Appends the next argument (binary-safe).
        mutating func append(_ argument: some Collection<UInt8>) {
            missing -= 1
            bytes.append(UInt8(ascii: "$"))
            Self.appendDecimal(argument.count, to: &bytes)
            bytes.append(13)
            bytes.append(10)
            bytes.append(contentsOf: argument)
            bytes.append(13)
            bytes.append(10)
        }

        /// Appends the next argument: `value` in decimal, written in place (no intermediate string).
        mutating func append(decimal value: Int) {
            precondition(value >= 0, "only non-negative numbers are written in place")
            missing -= 1
            var digits = 1
            var rest = value / 10
            while rest > 0 {
                digits += 1
                rest /= 10
            }
            bytes.append(UInt8(ascii: "$"))
            Self.appendDecimal(digits, to: &bytes)
            bytes.append(13)
            bytes.append(10)
            Self.appendDecimal(value, to: &bytes)
            bytes.append(13)
            bytes.append(10)
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
}
