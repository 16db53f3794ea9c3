/// A failure of the harness itself (not of the cache under test).
public struct ScenarioRunError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public var description: String

    /// Creates an error.
    public init(_ description: String) { self.description = description }
}
