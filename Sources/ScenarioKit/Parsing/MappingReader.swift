import Foundation
import Yams

/// Reads the fields of one YAML/JSON mapping, remembering which were read so that any other field is
/// reported as unknown, and naming the file, the field path and what was expected in every error.
struct MappingReader {
    let file: String
    let path: String
    let line: Int?
    private var fields: [String: Node] = [:]
    private var order: [String] = []
    private var read: Set<String> = []

    init(_ node: Node, file: String, path: String) throws(ScenarioFileError) {
        self.file = file
        self.path = path
        self.line = node.mark.map { $0.line }
        guard case .mapping(let mapping) = node else {
            throw ScenarioFileError(
                file: file, line: line, field: path.isEmpty ? "(file)" : path,
                expected: "a mapping of fields", found: Self.describe(node))
        }
        for (key, value) in mapping {
            guard let name = key.string else {
                throw ScenarioFileError(file: file, line: key.mark?.line, field: path, expected: "text field names", found: Self.describe(key))
            }
            fields[name] = value
            order.append(name)
        }
    }

    func fieldPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func error(_ key: String, expected: String, found node: Node?) -> ScenarioFileError {
        ScenarioFileError(
            file: file, line: node?.mark?.line ?? line, field: fieldPath(key), expected: expected,
            found: node.map(Self.describe))
    }

    func has(_ key: String) -> Bool { fields[key] != nil }

    mutating func node(_ key: String) -> Node? {
        read.insert(key)
        return fields[key]
    }

    mutating func requiredNode(_ key: String, expected: String) throws(ScenarioFileError) -> Node {
        guard let node = node(key) else {
            throw ScenarioFileError(file: file, line: line, field: fieldPath(key), expected: expected, found: "nothing (the field is required)")
        }
        return node
    }

    mutating func string(_ key: String, default value: String? = nil, required: Bool = false) throws(ScenarioFileError) -> String? {
        guard let node = node(key) else {
            if required {
                throw ScenarioFileError(file: file, line: line, field: fieldPath(key), expected: "a text value", found: "nothing (the field is required)")
            }
            return value
        }
        guard case .scalar = node, let text = node.string, !text.isEmpty else {
            throw error(key, expected: "a non-empty text value", found: node)
        }
        return text
    }

    mutating func int(_ key: String, default value: Int? = nil, in range: ClosedRange<Int>) throws(ScenarioFileError) -> Int {
        let expected = "an integer in \(range.lowerBound)…\(range.upperBound)"
        guard let node = node(key) else {
            guard let value else {
                throw ScenarioFileError(file: file, line: line, field: fieldPath(key), expected: expected, found: "nothing (the field is required)")
            }
            return value
        }
        guard case .scalar = node, let number = node.int else { throw error(key, expected: expected, found: node) }
        guard range.contains(number) else { throw error(key, expected: expected, found: node) }
        return number
    }

    mutating func double(
        _ key: String, default value: Double? = nil, in range: ClosedRange<Double>, excludingLowerBound: Bool = false
    ) throws(ScenarioFileError) -> Double {
        let lower = excludingLowerBound ? "> \(ScenarioMetric.format(range.lowerBound))" : "≥ \(ScenarioMetric.format(range.lowerBound))"
        let expected = "a number \(lower) and ≤ \(ScenarioMetric.format(range.upperBound))"
        guard let node = node(key) else {
            guard let value else {
                throw ScenarioFileError(file: file, line: line, field: fieldPath(key), expected: expected, found: "nothing (the field is required)")
            }
            return value
        }
        guard let number = Self.number(node) else { throw error(key, expected: expected, found: node) }
        guard range.contains(number), !(excludingLowerBound && number == range.lowerBound) else {
            throw error(key, expected: expected, found: node)
        }
        return number
    }

    mutating func bool(_ key: String, default value: Bool) throws(ScenarioFileError) -> Bool {
        guard let node = node(key) else { return value }
        guard case .scalar = node, let flag = node.bool else { throw error(key, expected: "true or false", found: node) }
        return flag
    }

    mutating func choice<Value: RawRepresentable & CaseIterable>(
        _ key: String, default value: Value? = nil
    ) throws(ScenarioFileError) -> Value where Value.RawValue == String {
        let allowed = Value.allCases.map { "'\($0.rawValue)'" }.joined(separator: " or ")
        guard let node = node(key) else {
            guard let value else {
                throw ScenarioFileError(file: file, line: line, field: fieldPath(key), expected: allowed, found: "nothing (the field is required)")
            }
            return value
        }
        guard case .scalar = node, let text = node.string, let chosen = Value(rawValue: text) else {
            throw error(key, expected: allowed, found: node)
        }
        return chosen
    }

    /// Fails on the first field that was never read.
    func finish(allowed: String? = nil) throws(ScenarioFileError) {
        for name in order where !read.contains(name) {
            let known = allowed ?? read.sorted().joined(separator: ", ")
            throw ScenarioFileError(
                file: file, line: fields[name]?.mark?.line ?? line, field: fieldPath(name),
                expected: "no such field (known fields here: \(known))", found: "an unknown field")
        }
    }

    static func number(_ node: Node) -> Double? {
        guard case .scalar(let scalar) = node else { return nil }
        if let integer = node.int { return Double(integer) }
        if let value = Double(scalar.string.trimmingCharacters(in: .whitespaces)), value.isFinite { return value }
        return nil
    }

    static func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): return "'\(scalar.string)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}
