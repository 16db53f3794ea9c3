/// Finds where one RESP2 reply ends without building it: the bridge turns replies into JSON straight from
/// the bytes redis-server sent (``ReplyJSONWriter``), so the client handler only needs their boundaries.
enum RESPReplyScanner {
    /// Why bytes from the server are not RESP.
    struct ProtocolError: Error, CustomStringConvertible {
        var description: String
    }

    /// The deepest nesting accepted (Redis replies nest a few levels; a hostile peer could nest more).
    static let maximumDepth = 64
    /// The longest bulk string accepted (Redis's own `proto-max-bulk-len` default).
    static let maximumBulkLength = 512 << 20

    /// The offset just past the reply that starts at `offset`, or `nil` when `bytes` ends before it does.
    static func end(of bytes: UnsafeRawBufferPointer, at offset: Int, depth: Int = 0) throws(ProtocolError) -> Int? {
        guard depth < maximumDepth else { throw ProtocolError(description: "reply nested too deep") }
        guard offset < bytes.count else { return nil }
        let type = bytes[offset]
        guard let (lineEnd, next) = line(bytes, from: offset + 1) else { return nil }
        switch type {
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            return next
        case UInt8(ascii: ":"):
            _ = try integer(bytes, offset + 1, lineEnd)
            return next
        case UInt8(ascii: "$"):
            let length = try integer(bytes, offset + 1, lineEnd)
            if length < 0 { return next }
            guard length <= maximumBulkLength else { throw ProtocolError(description: "bulk string too long") }
            let end = next + length + 2
            guard end <= bytes.count else { return nil }
            guard bytes[end - 2] == 0x0D, bytes[end - 1] == 0x0A else {
                throw ProtocolError(description: "bulk string not terminated by CRLF")
            }
            return end
        case UInt8(ascii: "*"):
            let count = try integer(bytes, offset + 1, lineEnd)
            var position = next
            if count <= 0 { return position }
            for _ in 0..<count {
                guard let after = try end(of: bytes, at: position, depth: depth + 1) else { return nil }
                position = after
            }
            return position
        default:
            throw ProtocolError(description: "unknown RESP type byte \(type)")
        }
    }

    /// The offset of the CR ending the line that starts at `start`, and the offset after its CRLF.
    static func line(_ bytes: UnsafeRawBufferPointer, from start: Int) -> (Int, Int)? {
        var index = start
        while index + 1 < bytes.count {
            if bytes[index] == 0x0D {
                return bytes[index + 1] == 0x0A ? (index, index + 2) : nil
            }
            index += 1
        }
        return nil
    }

    /// The decimal integer in `bytes[start..<end]` (the whole `Int64` range, as `Int64(_:)` reads it).
    static func integer(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) throws(ProtocolError) -> Int {
        var index = start
        let negative = index < end && bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        guard index < end else { throw ProtocolError(description: "not an integer") }
        // Accumulated negatively, so that Int.min fits.
        var value = 0
        while index < end {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { throw ProtocolError(description: "not an integer") }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = times10.subtractingReportingOverflow(Int(digit))
            guard !overflow1, !overflow2 else { throw ProtocolError(description: "integer out of range") }
            value = next
            index += 1
        }
        if negative { return value }
        guard value != .min else { throw ProtocolError(description: "integer out of range") }
        return -value
    }
}
