/// Judges a scenario's expectations against what a run measured.
public enum ExpectationEvaluator {
    /// The expectations checked in every scenario, whatever its file says: the cache never fails a request
    /// and never returns a wrong answer.
    public static let implicitExpectations: [Expectation] = [
        Expectation(metric: .failedRequests, comparison: .atMost(.value(0))),
        Expectation(metric: .wrongAnswers, comparison: .atMost(.value(0))),
    ]

    /// Judges every expectation of `scenario`, always with the implicit ones first: a file may add tighter
    /// checks on the same metrics, but can never loosen "no failed request, no wrong answer".
    public static func evaluate(
        _ scenario: Scenario, primary: VariantResult, baseline: VariantResult?
    ) -> [ExpectationOutcome] {
        var outcomes: [ExpectationOutcome] = []
        for implicit in implicitExpectations {
            outcomes.append(judge(implicit, scenario: scenario, primary: primary, baseline: baseline, implicit: true))
        }
        for expectation in scenario.expectations {
            outcomes.append(judge(expectation, scenario: scenario, primary: primary, baseline: baseline, implicit: false))
        }
        return outcomes
    }

    static func judge(
        _ expectation: Expectation, scenario: Scenario, primary: VariantResult, baseline: VariantResult?, implicit: Bool
    ) -> ExpectationOutcome {
        let metric = expectation.metric
        func outcome(measured: String, value: Double?, threshold: String, passed: Bool) -> ExpectationOutcome {
            ExpectationOutcome(
                expectation: expectation.description, metric: metric.rawValue, phase: expectation.phase,
                measured: measured, measuredValue: value, threshold: threshold, passed: passed, implicit: implicit)
        }
        if let ratio = expectation.ratio {
            return judgeRatio(expectation, ratio: ratio, scenario: scenario, primary: primary, outcome: outcome)
        }
        let metrics: MetricSet?
        if let phase = expectation.phase {
            metrics = primary.metrics(ofPhase: phase, instance: expectation.instance)
        } else {
            metrics = primary.metrics(ofInstance: expectation.instance)
        }
        guard let metrics else {
            let missing = expectation.instance.map { "instance \($0) or its phase not reached" } ?? "phase not reached"
            return outcome(measured: missing, value: nil, threshold: thresholdText(expectation, scenario), passed: false)
        }
        if case .equals(let expected) = expectation.comparison {
            let measured = metric == .mode ? metrics.mode : "n/a"
            return outcome(measured: measured, value: nil, threshold: "= \(expected)", passed: measured == expected)
        }
        let value: Double?
        switch metric {
        case .kvErrors where expectation.phase == nil:
            value = Double(primary.cacheStatistics.kvErrors)
        case .hitRateGain, .llmCallReduction, .meanLatencyReduction, .coldStartLatencyReduction:
            value = baseline.map { comparisonValue(metric, primary: primary.metrics, baseline: $0.metrics) }
        default:
            value = metrics.value(of: metric)
        }
        guard let value, !value.isNaN else {
            return outcome(measured: "no sample", value: nil, threshold: thresholdText(expectation, scenario), passed: false)
        }
        let passed = holds(value, expectation.comparison, scenario)
        return outcome(measured: metric.format(value), value: value, threshold: thresholdText(expectation, scenario), passed: passed)
    }

    /// Whether a measured number meets a numeric comparison (`equals` is for text and never holds here).
    static func holds(_ value: Double, _ comparison: Expectation.Comparison, _ scenario: Scenario) -> Bool {
        switch comparison {
        case .atMost(let limit): return value <= limit.resolved(deadlineMilliseconds: scenario.kvDeadlineMilliseconds)
        case .atLeast(let limit): return value >= limit.resolved(deadlineMilliseconds: scenario.kvDeadlineMilliseconds)
        case .equals: return false
        }
    }

    /// metric[a] / metric[b]: "a fallback during this outage costs no more than during a refused one".
    static func judgeRatio(
        _ expectation: Expectation, ratio: Expectation.PhaseRatio, scenario: Scenario, primary: VariantResult,
        outcome: (String, Double?, String, Bool) -> ExpectationOutcome
    ) -> ExpectationOutcome {
        let threshold = thresholdText(expectation, scenario)
        guard let numerator = primary.metrics(ofPhase: ratio.phase, instance: expectation.instance),
              let denominator = primary.metrics(ofPhase: ratio.to, instance: expectation.instance) else {
            return outcome("phase not reached", nil, threshold, false)
        }
        guard let top = numerator.value(of: expectation.metric), let bottom = denominator.value(of: expectation.metric),
              !top.isNaN, !bottom.isNaN, bottom != 0 else {
            return outcome("no sample", nil, threshold, false)
        }
        let value = top / bottom
        let passed = holds(value, expectation.comparison, scenario)
        let shown = "\(ScenarioMetric.format(value)) (\(expectation.metric.format(top)) / \(expectation.metric.format(bottom)))"
        return outcome(shown, value, threshold, passed)
    }

    /// The before/after comparison metrics: KV run against the memory-only baseline on the same trace.
    public static func comparisonValue(_ metric: ScenarioMetric, primary: MetricSet, baseline: MetricSet) -> Double {
        func reduction(_ new: Double, _ old: Double) -> Double { old > 0 ? 1 - new / old : .nan }
        switch metric {
        case .hitRateGain: return primary.hitRate - baseline.hitRate
        case .llmCallReduction: return reduction(Double(primary.llmCalls), Double(baseline.llmCalls))
        case .meanLatencyReduction: return reduction(primary.planEquivalentLatency.mean, baseline.planEquivalentLatency.mean)
        case .coldStartLatencyReduction:
            return reduction(primary.coldStartPlanEquivalentMilliseconds, baseline.coldStartPlanEquivalentMilliseconds)
        default: return .nan
        }
    }

    static func thresholdText(_ expectation: Expectation, _ scenario: Scenario) -> String {
        func text(_ threshold: Expectation.Threshold) -> String {
            let number = threshold.resolved(deadlineMilliseconds: scenario.kvDeadlineMilliseconds)
            // A ratio of two phases is a plain number, whatever the metric's unit.
            let resolved = expectation.ratio == nil ? expectation.metric.format(number) : ScenarioMetric.format(number)
            if case .deadlinePlus = threshold { return "\(resolved) (\(threshold))" }
            return resolved
        }
        switch expectation.comparison {
        case .atMost(let threshold): return "≤ \(text(threshold))"
        case .atLeast(let threshold): return "≥ \(text(threshold))"
        case .equals(let expected): return "= \(expected)"
        }
    }
}
