import CHiredis

/// A reply from the server, copied out of hiredis's `redisReply` on the I/O thread so the C object can be
/// freed at once and the value can cross to the caller's task.
enum RedisReply: Sendable, Hashable {
    /// A bulk string (binary-safe).
    case bulkString([UInt8])
    /// A simple status such as `OK` or `PONG`.
    case status(String)
    /// An error reply such as `OOM command not allowed …`.
    case error(String)
    /// An integer reply.
    case integer(Int64)
    /// The null bulk string or null array.
    case null
    /// A multi-bulk reply.
    case array([RedisReply])

    /// Copies a hiredis reply tree; the caller still owns (and frees) `reply`.
    init(copying reply: UnsafePointer<redisReply>) {
        let object = reply.pointee
        switch object.type {
        case REDIS_REPLY_STRING:
            self = .bulkString(Self.bytes(object.str, object.len))
        case REDIS_REPLY_STATUS:
            self = .status(String(decoding: Self.bytes(object.str, object.len), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            self = .error(String(decoding: Self.bytes(object.str, object.len), as: UTF8.self))
        case REDIS_REPLY_INTEGER:
            self = .integer(Int64(object.integer))
        case REDIS_REPLY_ARRAY:
            var elements: [RedisReply] = []
            elements.reserveCapacity(Int(object.elements))
            for index in 0..<Int(object.elements) {
                if let element = object.element?[index] {
                    elements.append(RedisReply(copying: element))
                } else {
                    elements.append(.null)
                }
            }
            self = .array(elements)
        default:
            self = .null
        }
    }

    private static func bytes(_ pointer: UnsafeMutablePointer<CChar>?, _ length: Int) -> [UInt8] {
        guard let pointer, length > 0 else { return [] }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
            Array(UnsafeBufferPointer(start: $0, count: length))
        }
    }

    /// The first word of an error reply (`OOM`, `READONLY`, `WRONGPASS` …), which Redis uses as its class.
    static func errorPrefix(of message: String) -> String {
        String(message.prefix { $0 != " " })
    }
}
