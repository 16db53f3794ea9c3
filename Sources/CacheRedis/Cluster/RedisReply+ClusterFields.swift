/// Readers for the shapes topology replies use, so the parsers say what they expect and nothing more.
extension RedisReply {
    /// The text of a bulk string or status; nil for anything else.
    var clusterText: String? {
        switch self {
        case .bulkString(let bytes): String(decoding: bytes, as: UTF8.self)
        case .status(let text): text
        default: nil
        }
    }

    /// An integer reply, or a bulk string holding one (RESP2 servers differ in which they send).
    var clusterInteger: Int? {
        switch self {
        case .integer(let value): Int(exactly: value)
        case .bulkString, .status: clusterText.flatMap { Int($0) }
        default: nil
        }
    }

    /// The elements of an array reply; nil for anything else.
    var clusterElements: [RedisReply]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// A RESP2 map (a flat array of name, value, name, value …) as a dictionary keyed by name.
    var clusterFields: [String: RedisReply]? {
        guard let elements = clusterElements, elements.count.isMultiple(of: 2) else { return nil }
        var fields: [String: RedisReply] = [:]
        for index in stride(from: 0, to: elements.count, by: 2) {
            guard let name = elements[index].clusterText else { return nil }
            fields[name] = elements[index + 1]
        }
        return fields
    }
}
