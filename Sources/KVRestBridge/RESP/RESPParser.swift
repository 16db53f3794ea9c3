import NIOCore

/// Parses RESP2 replies from a buffer; incomplete input leaves the buffer untouched.
enum RESPParser {
    /// Why bytes from the server are not RESP.
    struct ProtocolError: Error, CustomStringConvertible {
        var description: String
    }

    /// The deepest nesting accepted (Redis replies nest a few levels; a hostile peer could nest more).
    static let maximumDepth = 64

    /// Parses one complete reply from `buffer`, consuming it, or returns `nil` when more bytes are needed.
    static func parse(_ buffer: inout ByteBuffer) throws -> RESPValue? {
        var copy = buffer
        guard let value = try parseValue(&copy, depth: 0) else { return nil }
        buffer = copy
        return value
    }

    private static func parseValue(_ buffer: inout ByteBuffer, depth: Int) throws -> RESPValue? {
        guard depth < maximumDepth else { throw ProtocolError(description: "reply nested too deep") }
        guard let type = buffer.readInteger(as: UInt8.self) else { return nil }
        guard let line = readLine(&buffer) else { return nil }
        switch type {
        case UInt8(ascii: "+"): return .simpleString(line)
        case UInt8(ascii: "-"): return .error(String(decoding: line, as: UTF8.self))
        case UInt8(ascii: ":"): return .integer(try integer(line))
        case UInt8(ascii: "$"):
            let length = try integer(line)
            if length < 0 { return .bulkString(nil) }
            guard length <= 512 << 20 else { throw ProtocolError(description: "bulk string too long") }
            guard buffer.readableBytes >= Int(length) + 2, let bytes = buffer.readBytes(length: Int(length)) else { return nil }
            guard buffer.readInteger(as: UInt16.self) == 0x0D0A else {
                throw ProtocolError(description: "bulk string not terminated by CRLF")
            }
            return .bulkString(bytes)
        case UInt8(ascii: "*"):
            let count = try integer(line)
            if count < 0 { return .array(nil) }
            var elements: [RESPValue] = []
            elements.reserveCapacity(Int(min(count, 1024)))
            for _ in 0..<count {
                guard let element = try parseValue(&buffer, depth: depth + 1) else { return nil }
                elements.append(element)
            }
            return .array(elements)
        default:
            throw ProtocolError(description: "unknown RESP type byte \(type)")
        }
    }

    private static func readLine(_ buffer: inout ByteBuffer) -> [UInt8]? {
        let view = buffer.readableBytesView
        guard let cr = view.firstIndex(of: 0x0D), view.index(after: cr) < view.endIndex,
              view[view.index(after: cr)] == 0x0A else { return nil }
        let length = cr - view.startIndex
        let line = buffer.readBytes(length: length)
        buffer.moveReaderIndex(forwardBy: 2)
        return line
    }

    private static func integer(_ line: [UInt8]) throws -> Int64 {
        guard let value = Int64(String(decoding: line, as: UTF8.self)) else {
            throw ProtocolError(description: "not an integer")
        }
        return value
    }
}
