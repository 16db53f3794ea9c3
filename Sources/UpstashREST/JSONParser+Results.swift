/// The `result` and `error` members of one of Upstash's result objects; both `nil` when the value was
/// not an object or had neither.
public struct UpstashResult: Sendable, Hashable {
    /// `result`, when present.
    public var result: JSONValue?
    /// `error`, when present.
    public var error: JSONValue?

    /// Creates a result.
    public init(result: JSONValue? = nil, error: JSONValue? = nil) {
        self.result = result
        self.error = error
    }
}

extension JSONParser {
    /// Upstash's answer to one command, `{"result": …}` or `{"error": "…"}`, read without building the
    /// object (no dictionary for its one member). Other members are checked and skipped; a value that is
    /// not an object gives an empty ``UpstashResult``.
    public static func parseResult(_ bytes: some Collection<UInt8>) throws(SyntaxError) -> UpstashResult {
        var parser = JSONParser(bytes: Array(bytes))
        parser.skipWhitespace()
        let result = try parser.parseResultMember()
        try parser.expectEnd()
        return result
    }

    /// Upstash's answer to a pipeline, an array of result objects, read the same way; `nil` when the
    /// document is not an array.
    public static func parseResults(_ bytes: some Collection<UInt8>) throws(SyntaxError) -> [UpstashResult]? {
        var parser = JSONParser(bytes: Array(bytes))
        parser.skipWhitespace()
        guard parser.index < parser.bytes.count, parser.bytes[parser.index] == UInt8(ascii: "[") else {
            _ = try parser.parseValue(depth: 0)
            try parser.expectEnd()
            return nil
        }
        parser.index += 1
        var results: [UpstashResult] = []
        parser.skipWhitespace()
        if parser.index < parser.bytes.count, parser.bytes[parser.index] == UInt8(ascii: "]") {
            parser.index += 1
        } else {
            while true {
                parser.skipWhitespace()
                results.append(try parser.parseResultMember())
                parser.skipWhitespace()
                guard parser.index < parser.bytes.count else { throw parser.error("unterminated array") }
                if parser.bytes[parser.index] == UInt8(ascii: ",") { parser.index += 1; continue }
                if parser.bytes[parser.index] == UInt8(ascii: "]") { parser.index += 1; break }
                throw parser.error("expected ',' or ']'")
            }
        }
        try parser.expectEnd()
        return results
    }

    private mutating func expectEnd() throws(SyntaxError) {
        skipWhitespace()
        guard index == bytes.count else { throw error("trailing characters") }
    }

    /// A value at depth 1 (an element of the top-level array, or the document itself): its `result` and
    /// `error` members when it is an object.
    private mutating func parseResultMember() throws(SyntaxError) -> UpstashResult {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else {
            _ = try parseValue(depth: 1)
            return UpstashResult()
        }
        var found = UpstashResult()
        try parseMembers { parser, name throws(SyntaxError) in
            let value = try parser.parseValue(depth: 2)
            switch name {
            case "result": found.result = value
            case "error": found.error = value
            default: break
            }
        }
        return found
    }
}
