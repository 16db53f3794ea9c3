/// A change of one instance's KV circuit breaker state during a run, for the timeline chart.
public struct CircuitTransition: Sendable, Hashable, Codable {
    /// When it was seen, in milliseconds since the run started.
    public var atMilliseconds: Double
    /// The instance (numbered from 0 in creation order).
    public var instance: Int
    /// The new state: `closed`, `open` or `half_open`.
    public var state: String

    /// Creates a transition.
    public init(atMilliseconds: Double, instance: Int, state: String) {
        self.atMilliseconds = atMilliseconds
        self.instance = instance
        self.state = state
    }
}
