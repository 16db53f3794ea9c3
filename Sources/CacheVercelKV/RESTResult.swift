import UpstashREST

/// A command's result with base64 strings decoded: what `Upstash-Encoding: base64` replies mean.
public enum RESTResult: Sendable, Hashable, CustomStringConvertible {
    /// `null` (a missing key).
    case null
    /// An integer reply.
    case integer(Int64)
    /// A string reply (bulk or status), as bytes.
    case bytes([UInt8])
    /// An array reply.
    case array([RESTResult])
    /// Anything else JSON can carry (booleans, fractional numbers, objects), as is.
    case other(JSONValue)

    /// Decodes a result received with `Upstash-Encoding: base64`: every string is base64, except a whole
    /// result that is the status reply `OK`.
    public init(decoding value: JSONValue) {
        self.init(decoding: value, topLevel: true)
    }

    private init(decoding value: JSONValue, topLevel: Bool) {
        switch value {
        case .null: self = .null
        case .number(let text): self = Int64(text).map(RESTResult.integer) ?? .other(value)
        case .string(let text):
            if topLevel, text == "OK" {
                self = .bytes(Array("OK".utf8))
            } else if let bytes = Base64.decode(text) {
                self = .bytes(bytes)
            } else {
                // Not base64: a server that ignored the header; take the text as it is.
                self = .bytes(Array(text.utf8))
            }
        case .array(let elements): self = .array(elements.map { RESTResult(decoding: $0, topLevel: false) })
        case .bool, .object: self = .other(value)
        }
    }

    /// Whether this is the status reply `OK`.
    public var isOK: Bool { self == .bytes(Array("OK".utf8)) }

    /// The text of a string reply (invalid UTF-8 repaired), or `nil`.
    public var text: String? {
        if case .bytes(let bytes) = self { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }

    /// A readable rendering, for tools.
    public var description: String {
        switch self {
        case .null: return "(nil)"
        case .integer(let value): return "(integer) \(value)"
        case .bytes(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .array(let elements): return "[" + elements.map(\.description).joined(separator: ", ") + "]"
        case .other(let value): return "\(value)"
        }
    }
}
