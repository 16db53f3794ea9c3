import Foundation

/// What a `pcache` command prints and how it exits; collected so tests can run a command in-process.
public struct CommandOutput: Sendable {
    /// The exit code.
    public var exitCode: PCacheExitCode
    /// The lines for standard output.
    public var lines: [String]
    /// The JSON object for `--json`.
    public var json: [String: JSONField]

    /// An empty output with `exitCode`.
    public init(exitCode: PCacheExitCode = .ok) {
        self.exitCode = exitCode
        self.lines = []
        self.json = [:]
    }

    /// The text to print: the lines, or the JSON object (keys sorted).
    public func rendered(asJSON: Bool) -> String {
        guard asJSON else { return lines.joined(separator: "\n") }
        var object = json
        object["exitCode"] = .int(Int(exitCode.rawValue))
        return JSONField.object(object).encoded
    }
}

/// A value in `pcache --json` output.
public enum JSONField: Sendable, Hashable {
    /// A string.
    case string(String)
    /// An integer.
    case int(Int)
    /// A fractional number.
    case double(Double)
    /// A boolean.
    case bool(Bool)
    /// `null`.
    case null
    /// An array.
    case array([JSONField])
    /// An object.
    case object([String: JSONField])

    /// Compact JSON with sorted keys.
    public var encoded: String {
        switch self {
        case .string(let text): return Self.quote(text)
        case .int(let value): return String(value)
        case .double(let value): return value.isFinite ? String(format: "%.3f", value) : "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return "null"
        case .array(let elements): return "[" + elements.map(\.encoded).joined(separator: ",") + "]"
        case .object(let members):
            return "{" + members.keys.sorted().map { Self.quote($0) + ":" + members[$0]!.encoded }.joined(separator: ",") + "}"
        }
    }

    private static func quote(_ text: String) -> String {
        var output = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case let control where control.value < 0x20: output += String(format: "\\u%04x", control.value)
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output + "\""
    }
}
