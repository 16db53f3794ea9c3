/// Finds where one RESP message ends, without decoding it (RESP2 and RESP3 types), so that the proxy can count
/// commands and replies in a byte stream that arrives in arbitrary pieces.
public enum RESPScanner {
    /// What the scanner found at the start of the bytes.
    public enum Message: Sendable, Hashable {
        /// A complete message of `length` bytes.
        case complete(length: Int)
        /// The message is not complete yet.
        case incomplete
        /// The bytes are not RESP.
        case invalid
    }

    /// The length of the reply at `offset` (a RESP3 push `>` is reported like any other message).
    public static func reply(in bytes: UnsafeRawBufferPointer, at offset: Int = 0) -> Message {
        guard offset < bytes.count else { return .incomplete }
        return message(in: bytes, at: offset, depth: 0)
    }

    /// The length of the command at `offset`: a RESP array, or an inline command ending in a newline.
    public static func command(in bytes: UnsafeRawBufferPointer, at offset: Int = 0) -> Message {
        guard offset < bytes.count else { return .incomplete }
        if bytes[offset] == UInt8(ascii: "*") { return message(in: bytes, at: offset, depth: 0) }
        guard let newline = bytes[offset...].firstIndex(of: UInt8(ascii: "\n")) else { return .incomplete }
        return .complete(length: newline + 1 - offset)
    }

    /// Whether an inline command is only whitespace (redis-server ignores it and sends no reply).
    public static func isBlankInline(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.first != UInt8(ascii: "*") && bytes.allSatisfy { $0 == 32 || $0 == 9 || $0 == 13 || $0 == 10 }
    }

    private static func lineEnd(in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        var index = start
        while index + 1 < bytes.count {
            if bytes[index] == 13, bytes[index + 1] == 10 { return index }
            index += 1
        }
        return nil
    }

    /// Redis's own limit on a bulk string (`proto-max-bulk-len`, 512 MB); anything longer is not RESP we relay.
    static let maximumBulkLength = 512 * 1024 * 1024
    /// A bound on aggregate element counts (Redis caps multibulk lengths at 2^31 - 1 as well).
    static let maximumAggregateCount = Int(Int32.max)

    private static func integer(in bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Int? {
        // At most ten digits: every length Redis accepts fits (proto-max-bulk-len is 512 MB), and no sum or
        // product below can overflow, whatever bytes a peer sends.
        guard start < end, end - start <= 11 else { return nil }
        var value = 0
        var negative = false
        var index = start
        if bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        guard index < end else { return nil }
        while index < end {
            let digit = Int(bytes[index]) - 48
            guard (0...9).contains(digit) else { return nil }
            value = value * 10 + digit
            index += 1
        }
        return negative ? -value : value
    }

    private static func message(in bytes: UnsafeRawBufferPointer, at offset: Int, depth: Int) -> Message {
        guard depth < 64 else { return .invalid }
        guard offset < bytes.count else { return .incomplete }
        let type = bytes[offset]
        guard let end = lineEnd(in: bytes, from: offset + 1) else { return .incomplete }
        let headerLength = end + 2 - offset
        switch type {
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: ":"), UInt8(ascii: "_"), UInt8(ascii: ","),
            UInt8(ascii: "#"), UInt8(ascii: "("):
            return .complete(length: headerLength)
        case UInt8(ascii: "$"), UInt8(ascii: "!"), UInt8(ascii: "="):
            guard let size = integer(in: bytes, from: offset + 1, to: end), size <= Self.maximumBulkLength else { return .invalid }
            if size < 0 { return .complete(length: headerLength) }
            let total = headerLength + size + 2
            return offset + total <= bytes.count ? .complete(length: total) : .incomplete
        case UInt8(ascii: "*"), UInt8(ascii: "~"), UInt8(ascii: ">"), UInt8(ascii: "%"), UInt8(ascii: "|"):
            guard let count = integer(in: bytes, from: offset + 1, to: end), count <= Self.maximumAggregateCount else {
                return .invalid
            }
            if count < 0 { return .complete(length: headerLength) }
            let elements = (type == UInt8(ascii: "%") || type == UInt8(ascii: "|")) ? count * 2 : count
            var position = offset + headerLength
            for _ in 0..<elements {
                switch message(in: bytes, at: position, depth: depth + 1) {
                case .complete(let length): position += length
                case .incomplete: return .incomplete
                case .invalid: return .invalid
                }
            }
            if type == UInt8(ascii: "|") {
                // An attribute map is followed by the reply it describes; both make one message.
                switch message(in: bytes, at: position, depth: depth + 1) {
                case .complete(let length): position += length
                case .incomplete: return .incomplete
                case .invalid: return .invalid
                }
            }
            return .complete(length: position - offset)
        default:
            return .invalid
        }
    }
}
