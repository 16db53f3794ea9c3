/// A threshold a scenario's measurement must meet, k6 style: `hitRate >= 0.8`.
public struct Expectation: Sendable, Hashable, CustomStringConvertible {
    /// How the measured value is compared.
    public enum Comparison: Sendable, Hashable {
        /// measured ≤ threshold.
        case atMost(Threshold)
        /// measured ≥ threshold.
        case atLeast(Threshold)
        /// measured equals the text (for ``ScenarioMetric/mode``).
        case equals(String)
    }

    /// A numeric threshold, possibly relative to the scenario's KV deadline.
    public enum Threshold: Sendable, Hashable, CustomStringConvertible {
        /// A plain number.
        case value(Double)
        /// The KV deadline in milliseconds plus this margin: "no request waits past the deadline".
        case deadlinePlus(Double)

        /// The threshold as a number, given the scenario's deadline.
        public func resolved(deadlineMilliseconds: Int) -> Double {
            switch self {
            case .value(let value): return value
            case .deadlinePlus(let margin): return Double(deadlineMilliseconds) + margin
            }
        }

        /// The threshold as written in the file (`deadline + 150`).
        public var description: String {
            switch self {
            case .value(let value): return ScenarioMetric.format(value)
            case .deadlinePlus(let margin): return margin == 0 ? "deadline" : "deadline + \(ScenarioMetric.format(margin))"
            }
        }
    }

    /// Two phases compared: the metric in `phase` divided by the metric in `to`.
    public struct PhaseRatio: Sendable, Hashable {
        /// The numerator's phase.
        public var phase: String
        /// The denominator's phase.
        public var to: String

        /// Creates a phase ratio.
        public init(phase: String, to: String) {
            self.phase = phase
            self.to = to
        }
    }

    /// What is measured.
    public var metric: ScenarioMetric
    /// When set, the measured value is metric[ratio.phase] / metric[ratio.to] (and `phase` is nil).
    public var ratio: PhaseRatio?
    /// When set, only the requests served by this instance slot are measured.
    public var instance: Int?
    /// The phase the measurement is restricted to, or `nil` for the whole run.
    public var phase: String?
    /// How the measurement is judged.
    public var comparison: Comparison

    /// Creates an expectation.
    public init(metric: ScenarioMetric, phase: String? = nil, ratio: PhaseRatio? = nil, instance: Int? = nil, comparison: Comparison) {
        self.instance = instance
        self.metric = metric
        self.phase = phase
        self.ratio = ratio
        self.comparison = comparison
    }

    /// `metric[phase] >= threshold`, as the report shows it.
    public var description: String {
        var subject = phase.map { "\(metric.rawValue) [\($0)]" } ?? metric.rawValue
        if let ratio { subject = "\(metric.rawValue) [\(ratio.phase)] / [\(ratio.to)]" }
        if let instance { subject += " on instance \(instance)" }
        switch comparison {
        case .atMost(let threshold): return "\(subject) ≤ \(threshold)"
        case .atLeast(let threshold): return "\(subject) ≥ \(threshold)"
        case .equals(let text): return "\(subject) = \(text)"
        }
    }
}
