/// A timeline event as it was applied.
public struct AppliedEvent: Sendable, Hashable, Codable {
    /// When it was applied, in milliseconds since the run started.
    public var atMilliseconds: Double
    /// How many requests had been sent.
    public var afterRequests: Int
    /// What it did.
    public var description: String
    /// How long applying it took.
    public var durationMilliseconds: Double
    /// Why it failed, if it did (a failed event fails the scenario).
    public var error: String?

    /// Creates a record of an applied event.
    public init(atMilliseconds: Double, afterRequests: Int, description: String, durationMilliseconds: Double, error: String?) {
        self.atMilliseconds = atMilliseconds
        self.afterRequests = afterRequests
        self.description = description
        self.durationMilliseconds = durationMilliseconds
        self.error = error
    }
}
