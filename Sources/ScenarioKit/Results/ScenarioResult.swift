/// Everything measured and judged in one scenario.
public struct ScenarioResult: Sendable, Hashable, Codable {
    /// The scenario's name.
    public var name: String
    /// Its title.
    public var title: String
    /// What it proves.
    public var description: String
    /// The file it came from.
    public var file: String
    /// Whether every expectation held and the run completed.
    public var passed: Bool
    /// Why the run could not complete (set-up failure, event failure), if it could not.
    public var error: String?
    /// The configuration the run used, as `key: value` lines for reproduction.
    public var configuration: [String: String]
    /// The KV deadline in milliseconds.
    public var kvDeadlineMilliseconds: Int
    /// The origin latency scale actually applied (quick mode included).
    public var latencyScale: Double
    /// The run with the configured backend.
    public var primary: VariantResult?
    /// The memory-only run of the same trace, for the before/after comparison.
    public var baseline: VariantResult?
    /// The expectations, judged.
    public var expectations: [ExpectationOutcome]
    /// Wall-clock time of the scenario, both variants included.
    public var durationSeconds: Double

    /// Creates a result.
    public init(
        name: String, title: String, description: String, file: String, passed: Bool, error: String?,
        configuration: [String: String], kvDeadlineMilliseconds: Int, latencyScale: Double, primary: VariantResult?,
        baseline: VariantResult?, expectations: [ExpectationOutcome], durationSeconds: Double
    ) {
        self.name = name
        self.title = title
        self.description = description
        self.file = file
        self.passed = passed
        self.error = error
        self.configuration = configuration
        self.kvDeadlineMilliseconds = kvDeadlineMilliseconds
        self.latencyScale = latencyScale
        self.primary = primary
        self.baseline = baseline
        self.expectations = expectations
        self.durationSeconds = durationSeconds
    }
}
