import UpstashREST

/// What an HTTP request asks the bridge to do, decided from its path, body and query.
enum BridgeRequest: Sendable {
    /// `POST /` with a JSON array, or a path-style command: one `{"result"}` / `{"error"}`.
    case single([[UInt8]])
    /// `POST /pipeline`: one result object per command, in order, not atomic.
    case pipeline([[[UInt8]]])
    /// `POST /multi-exec`: the commands inside `MULTI`/`EXEC`.
    case multiExec([[[UInt8]]])

    /// What kind of answer a request gets, whichever path read it.
    enum Kind {
        case single, pipeline, multiExec
    }

    /// The request's kind.
    var kind: Kind {
        switch self {
        case .single: return .single
        case .pipeline: return .pipeline
        case .multiExec: return .multiExec
        }
    }

    /// Appends the commands to `group` (inside `MULTI`/`EXEC` for a `/multi-exec`).
    func encode(into group: inout RESPCommandGroup) {
        func add(_ command: [[UInt8]], checked: Bool = true) {
            group.begin()
            for argument in command { group.append(argument) }
            if checked { group.end() } else { group.endUnchecked() }
        }
        switch self {
        case .single(let command):
            add(command)
        case .pipeline(let commands):
            commands.forEach { add($0) }
        case .multiExec(let commands):
            add([Array("MULTI".utf8)], checked: false)
            commands.forEach { add($0) }
            add([Array("EXEC".utf8)], checked: false)
        }
    }

    /// Parses the route. `path` is the URL path without the query; `query` its decoded parameters in
    /// order, `_token` removed.
    static func parse(path: String, query: [(String, String)], body: [UInt8]) -> Result<BridgeRequest, BridgeResponse> {
        let trimmedPath = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
        switch trimmedPath {
        case "", "/":
            guard !body.isEmpty else {
                return .failure(.notParsable)
            }
            return command(fromJSON: body).map { .single($0) }
        case "/pipeline", "/multi-exec":
            guard let document = try? JSONParser.parse(body), let elements = document.arrayValue, !elements.isEmpty else {
                return .failure(.error(400, "ERR failed to parse \(trimmedPath == "/pipeline" ? "pipeline" : "multi-exec") request"))
            }
            var commands: [[[UInt8]]] = []
            for element in elements {
                guard let command = arguments(from: element) else { return .failure(.notParsable) }
                commands.append(command)
            }
            return .success(trimmedPath == "/pipeline" ? .pipeline(commands) : .multiExec(commands))
        default:
            // Path style: /set/foo/bar/EX/100, then the body as the last argument, then query parameters.
            var command: [[UInt8]] = []
            for segment in trimmedPath.split(separator: "/", omittingEmptySubsequences: true) {
                command.append(percentDecoded(segment))
            }
            if !body.isEmpty { command.append(body) }
            for (name, value) in query {
                command.append(Array(name.utf8))
                if !value.isEmpty { command.append(Array(value.utf8)) }
            }
            guard !command.isEmpty else { return .failure(.notParsable) }
            return .success(.single(command))
        }
    }

    private static func command(fromJSON body: [UInt8]) -> Result<[[UInt8]], BridgeResponse> {
        guard let document = try? JSONParser.parse(body), let command = arguments(from: document) else {
            return .failure(.notParsable)
        }
        return .success(command)
    }

    /// A command from a JSON array of strings, numbers and booleans.
    static func arguments(from value: JSONValue) -> [[UInt8]]? {
        guard let elements = value.arrayValue, !elements.isEmpty else { return nil }
        var command: [[UInt8]] = []
        command.reserveCapacity(elements.count)
        for element in elements {
            switch element {
            case .string(let text): command.append(Array(text.utf8))
            case .number(let text): command.append(Array(text.utf8))
            case .bool(let flag): command.append(Array((flag ? "true" : "false").utf8))
            default: return nil
            }
        }
        return command
    }

    /// Percent-decodes a path segment into raw bytes (so `%FF` reaches Redis as the byte 0xFF).
    static func percentDecoded(_ text: some StringProtocol) -> [UInt8] {
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
               let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                output.append(high << 4 | low)
                index += 3
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return output
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Splits a query string into decoded `(name, value)` pairs (`+` is a space, as in forms).
    static func queryItems(_ query: Substring) -> [(String, String)] {
        query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (part: Substring) in
                String(decoding: percentDecoded(part.replacingOccurrences(of: "+", with: " ")), as: UTF8.self)
            }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }
}

extension Substring {
    fileprivate func replacingOccurrences(of target: Character, with replacement: Character) -> String {
        String(map { $0 == target ? replacement : $0 })
    }
}
