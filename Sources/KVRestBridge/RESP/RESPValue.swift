/// A RESP2 reply from Redis.
public enum RESPValue: Sendable, Hashable {
    /// `+OK` and other status replies.
    case simpleString([UInt8])
    /// `-ERR …`: the error text without the dash.
    case error(String)
    /// `:42`.
    case integer(Int64)
    /// `$n` bulk string, or `nil` for `$-1`.
    case bulkString([UInt8]?)
    /// `*n` array, or `nil` for `*-1`.
    case array([RESPValue]?)

    /// The text of a status or bulk string reply.
    public var text: String? {
        switch self {
        case .simpleString(let bytes), .bulkString(.some(let bytes)): return String(decoding: bytes, as: UTF8.self)
        default: return nil
        }
    }
}
