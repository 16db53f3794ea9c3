/// One phase of a run: the window between two timeline events that open phases.
public struct PhaseResult: Sendable, Hashable, Codable {
    /// The phase's name.
    public var name: String
    /// Whether it is a fault window.
    public var fault: Bool
    /// When it started, in milliseconds since the run started.
    public var startMilliseconds: Double
    /// When it ended.
    public var endMilliseconds: Double
    /// The measurements of the requests sent during it.
    public var metrics: MetricSet

    /// Creates a phase result.
    public init(name: String, fault: Bool, startMilliseconds: Double, endMilliseconds: Double, metrics: MetricSet) {
        self.name = name
        self.fault = fault
        self.startMilliseconds = startMilliseconds
        self.endMilliseconds = endMilliseconds
        self.metrics = metrics
    }
}
