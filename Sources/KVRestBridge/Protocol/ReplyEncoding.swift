import UpstashREST

/// Turns Redis replies into Upstash's JSON results.
enum ReplyEncoding {
    /// The JSON result for a reply. With `base64`, every string is base64 except a whole result that is
    /// the status reply `OK`; integers and null stay as they are; error texts are never encoded. Without
    /// it, bytes that are not valid UTF-8 become U+FFFD, as Upstash does.
    static func json(_ value: RESPValue, base64: Bool, topLevel: Bool = true) -> JSONValue {
        switch value {
        case .simpleString(let bytes):
            if topLevel, bytes == okBytes { return .string("OK") }
            return string(bytes, base64: base64)
        case .bulkString(nil), .array(nil):
            return .null
        case .bulkString(.some(let bytes)):
            return string(bytes, base64: base64)
        case .integer(let number):
            return .integer(number)
        case .error(let text):
            return .string(text)
        case .array(.some(let elements)):
            return .array(elements.map { json($0, base64: base64, topLevel: false) })
        }
    }

    /// `{"result": …}` or, for an error reply, `{"error": "…"}`.
    static func resultObject(_ value: RESPValue, base64: Bool) -> JSONValue {
        if case .error(let text) = value { return .object(["error": .string(text)]) }
        return .object(["result": json(value, base64: base64)])
    }

    private static let okBytes = Array("OK".utf8)

    private static func string(_ bytes: [UInt8], base64: Bool) -> JSONValue {
        .string(base64 ? Base64.encode(bytes) : String(decoding: bytes, as: UTF8.self))
    }
}
