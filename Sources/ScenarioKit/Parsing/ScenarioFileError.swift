/// Why a scenario file cannot be used: which file, which field, what was expected and what was found.
public struct ScenarioFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file's path.
    public var file: String
    /// The line in the file (1-based), when known.
    public var line: Int?
    /// The field's path, such as `workload.zipfExponent` or `timeline[2].toxic.type`; `(file)` for the
    /// document as a whole.
    public var field: String
    /// What the field must be.
    public var expected: String
    /// What was there instead, when it helps.
    public var found: String?

    /// Creates an error.
    public init(file: String, line: Int? = nil, field: String, expected: String, found: String? = nil) {
        self.file = file
        self.line = line
        self.field = field
        self.expected = expected
        self.found = found
    }

    /// `file:line: field 'path': expected …, found …`.
    public var description: String {
        let location = line.map { "\(file):\($0)" } ?? file
        let foundText = found.map { ", found \($0)" } ?? ""
        return "\(location): field '\(field)': expected \(expected)\(foundText)"
    }
}
