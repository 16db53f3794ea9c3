/// A raw RESP2 reply (as ``RedisServer/command(_:timeout:)`` returns it) read into a tree, so harness
/// code can look at `CLUSTER NODES`, `CLUSTER GETKEYSINSLOT` or an error without string slicing.
public enum RawRedisReply: Hashable, Sendable {
    /// `+…`
    case status(String)
    /// `-…`, without the dash.
    case error(String)
    /// `:…`
    case integer(Int)
    /// `$…`; nil for the null bulk string.
    case bulk(String?)
    /// `*…`; nil for the null array.
    case array([RawRedisReply]?)

    /// Reads one reply; nil when the text is not one complete RESP2 reply.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        var position = 0
        guard let reply = Self.parse(bytes, &position), position == bytes.count else { return nil }
        self = reply
    }

    /// The text of a bulk string or status.
    public var text: String? {
        switch self {
        case .bulk(let text): text
        case .status(let text): text
        default: nil
        }
    }

    /// The elements of an array.
    public var elements: [RawRedisReply]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// The error message, for an error reply.
    public var errorMessage: String? {
        if case .error(let message) = self { return message }
        return nil
    }

    private static func parse(_ bytes: [UInt8], _ position: inout Int) -> RawRedisReply? {
        guard position < bytes.count else { return nil }
        let kind = bytes[position]
        var end = position + 1
        while end + 1 < bytes.count, !(bytes[end] == 13 && bytes[end + 1] == 10) { end += 1 }
        guard end + 1 < bytes.count else { return nil }
        let header = String(decoding: bytes[(position + 1)..<end], as: UTF8.self)
        position = end + 2
        switch kind {
        case UInt8(ascii: "+"): return .status(header)
        case UInt8(ascii: "-"): return .error(header)
        case UInt8(ascii: ":"): return Int(header).map { .integer($0) }
        case UInt8(ascii: "$"):
            guard let length = Int(header) else { return nil }
            if length < 0 { return .bulk(nil) }
            guard position + length + 2 <= bytes.count else { return nil }
            let text = String(decoding: bytes[position..<(position + length)], as: UTF8.self)
            position += length + 2
            return .bulk(text)
        case UInt8(ascii: "*"):
            guard let count = Int(header) else { return nil }
            if count < 0 { return .array(nil) }
            var elements: [RawRedisReply] = []
            for _ in 0..<count {
                guard let element = parse(bytes, &position) else { return nil }
                elements.append(element)
            }
            return .array(elements)
        default:
            return nil
        }
    }
}
