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

    /// What is measured.
    public var metric: ScenarioMetric
    /// The phase the measurement is restricted to, or `nil` for the whole run.
    public var phase: String?
    /// How the measurement is judged.
    public var comparison: Comparison

    /// Creates an expectation.
    public init(metric: ScenarioMetric, phase: String? = nil, comparison: Comparison) {
        self.metric = metric
        self.phase = phase
        self.comparison = comparison
    }

    /// `metric[phase] >= threshold`, as the report shows it.
    public var description: String {
        let subject = phase.map { "\(metric.rawValue) [\($0)]" } ?? metric.rawValue
        switch comparison {
        case .atMost(let threshold): return "\(subject) ≤ \(threshold)"
        case .atLeast(let threshold): return "\(subject) ≥ \(threshold)"
        case .equals(let text): return "\(subject) = \(text)"
        }
    }
}
