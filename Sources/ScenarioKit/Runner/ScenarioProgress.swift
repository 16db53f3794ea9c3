/// A snapshot of a running scenario, for a progress display.
public struct ScenarioProgress: Sendable, Hashable {
    /// The scenario's name.
    public var scenario: String
    /// `kv` or `memory-only` (the baseline run).
    public var variant: String
    /// The current phase.
    public var phase: String
    /// Requests answered so far.
    public var completed: Int
    /// Requests in the run.
    public var total: Int
    /// Hits so far.
    public var hits: Int
    /// Fallbacks so far.
    public var fallbacks: Int
    /// Failed requests and wrong answers so far.
    public var problems: Int

    /// Creates a snapshot.
    public init(scenario: String, variant: String, phase: String, completed: Int, total: Int, hits: Int, fallbacks: Int, problems: Int) {
        self.scenario = scenario
        self.variant = variant
        self.phase = phase
        self.completed = completed
        self.total = total
        self.hits = hits
        self.fallbacks = fallbacks
        self.problems = problems
    }

    /// Hits / completed.
    public var hitRate: Double { completed == 0 ? 0 : Double(hits) / Double(completed) }
}
