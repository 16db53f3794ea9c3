/// An expectation as judged after a run: measured value beside threshold.
public struct ExpectationOutcome: Sendable, Hashable, Codable {
    /// The expectation as written (`hitRate [after-deploy] ≥ 0.9`).
    public var expectation: String
    /// The metric's name.
    public var metric: String
    /// The phase, if scoped.
    public var phase: String?
    /// The measured value, formatted.
    public var measured: String
    /// The measured value, when numeric (`nil` when not measurable, e.g. no sample).
    public var measuredValue: Double?
    /// The threshold, formatted (`≥ 80.0 %`).
    public var threshold: String
    /// Whether it held.
    public var passed: Bool
    /// Whether the runner added it (failed requests and wrong answers are always checked).
    public var implicit: Bool

    /// Creates an outcome.
    public init(expectation: String, metric: String, phase: String?, measured: String, measuredValue: Double?, threshold: String, passed: Bool, implicit: Bool) {
        self.expectation = expectation
        self.metric = metric
        self.phase = phase
        self.measured = measured
        self.measuredValue = measuredValue
        self.threshold = threshold
        self.passed = passed
        self.implicit = implicit
    }
}
