import Foundation
import ScenarioKit

/// The plan's "Impacto Esperado" beside what the before/after comparison measured.
struct PlanImpact {
    /// One line of the comparison.
    struct Row: Encodable, Hashable {
        var metric: String
        var planBefore: String
        var planAfter: String
        var measuredBefore: String
        var measuredAfter: String
        /// Whether the measured "after" is within or better than the plan's promise.
        var meetsPlan: Bool?
        var note: String
    }

    /// The scenario the figures come from (the first one with a memory-only baseline).
    let source: ScenarioResult?
    let rows: [Row]

    init(suite: SuiteResult) {
        let source = suite.scenarios.first { $0.baseline != nil && $0.primary != nil }
        self.source = source
        guard let source, let kv = source.primary?.metrics, let memory = source.baseline?.metrics else {
            rows = []
            return
        }
        func percent(_ value: Double) -> String { value.isFinite ? String(format: "%.1f %%", value * 100) : "n/a" }
        func ms(_ value: Double) -> String { value.isFinite ? String(format: "%.0f ms", value) : "n/a" }
        let llmReduction = memory.llmCalls > 0 ? 1 - Double(kv.llmCalls) / Double(memory.llmCalls) : .nan
        rows = [
            Row(metric: "Cache hit rate", planBefore: "40–60 %", planAfter: "80–90 %",
                measuredBefore: percent(memory.hitRate), measuredAfter: percent(kv.hitRate),
                meetsPlan: kv.hitRate.isFinite ? kv.hitRate >= 0.8 : nil,
                note: "trace optimum \(percent(kv.optimalHitRate)) (1 − distinct/requests); KV run reached \(percent(kv.hitRateVsOptimum)) of it"),
            Row(metric: "Mean latency", planBefore: "800–1200 ms", planAfter: "200–500 ms",
                measuredBefore: ms(memory.planEquivalentLatency.mean), measuredAfter: ms(kv.planEquivalentLatency.mean),
                meetsPlan: kv.planEquivalentLatency.mean.isFinite ? kv.planEquivalentLatency.mean <= 500 : nil,
                note: "origin time at scale 1 (measured with origin ×\(ScenarioMetric.format(source.latencyScale)): \(ms(memory.latency.mean)) → \(ms(kv.latency.mean)))"),
            Row(metric: "Cold-start latency", planBefore: "2000–5000 ms", planAfter: "200–500 ms",
                measuredBefore: ms(memory.coldStartPlanEquivalentMilliseconds), measuredAfter: ms(kv.coldStartPlanEquivalentMilliseconds),
                meetsPlan: kv.coldStartPlanEquivalentMilliseconds.isFinite ? kv.coldStartPlanEquivalentMilliseconds <= 500 : nil,
                note: "first request of each of \(kv.coldStarts) instances; cold-start hit rate \(percent(memory.coldStartHitRate)) → \(percent(kv.coldStartHitRate))"),
            Row(metric: "LLM calls", planBefore: "100 %", planAfter: "−40–60 %",
                measuredBefore: "\(memory.llmCalls)", measuredAfter: "\(kv.llmCalls) (−\(percent(llmReduction)))",
                meetsPlan: llmReduction.isFinite ? llmReduction >= 0.4 : nil,
                note: "\(memory.llmCalls - kv.llmCalls) LLM calls saved on \(kv.requests) requests"),
        ]
    }
}
