import Foundation
import ScenarioKit

/// "What was achieved" and "what to improve next", derived from the measurements (every sentence is built
/// from numbers of this run; a sentence whose condition does not hold is not written).
struct ReportInsights {
    let achieved: [String]
    let next: [String]

    init(suite: SuiteResult) {
        var achieved: [String] = []
        var next: [String] = []
        let scenarios = suite.scenarios
        let variants = scenarios.flatMap { [$0.primary, $0.baseline].compactMap { $0 } }
        let requests = variants.map(\.metrics.requests).reduce(0, +)
        let failed = variants.map(\.metrics.failedRequests).reduce(0, +)
        let wrong = variants.map(\.metrics.wrongAnswers).reduce(0, +)
        let faultPhases = scenarios.compactMap(\.primary).flatMap(\.phases).filter(\.fault)
        let faultFallbacks = faultPhases.map(\.metrics.fallbacks).reduce(0, +)
        func percent(_ value: Double) -> String { String(format: "%.1f %%", value * 100) }
        func ms(_ value: Double) -> String { String(format: "%.0f ms", value) }

        if failed == 0, wrong == 0, requests > 0 {
            achieved.append("No request failed and no answer was wrong across \(requests) requests in \(scenarios.count) scenarios, "
                + "including \(faultPhases.count) fault windows in which \(faultFallbacks) requests fell back from the KV tier.")
        } else if requests > 0 {
            next.append("**Fix first:** \(failed) requests failed and \(wrong) answers were wrong out of \(requests); "
                + "see the scenarios marked ✗ and their problem samples.")
        }

        if let comparison = scenarios.first(where: { $0.baseline != nil }), let kv = comparison.primary?.metrics,
           let memory = comparison.baseline?.metrics {
            achieved.append("On the before/after trace the hit rate went from \(percent(memory.hitRate)) (memory-only) to "
                + "\(percent(kv.hitRate)) with KV, against an optimum of \(percent(kv.optimalHitRate)); LLM calls fell from "
                + "\(memory.llmCalls) to \(kv.llmCalls).")
            if kv.coldStartPlanEquivalentMilliseconds.isFinite, memory.coldStartPlanEquivalentMilliseconds.isFinite {
                achieved.append("Cold starts (\(kv.coldStarts) first requests of new instances) took \(ms(kv.coldStartPlanEquivalentMilliseconds)) "
                    + "on average with KV against \(ms(memory.coldStartPlanEquivalentMilliseconds)) memory-only (plan-equivalent).")
            }
            let missedRepeats = kv.repeatRequests - kv.repeatHits
            if kv.hitRateVsOptimum.isFinite, kv.hitRateVsOptimum < 0.98, missedRepeats > 0 {
                next.append("The KV run reached \(percent(kv.hitRateVsOptimum)) of the trace's optimum: \(missedRepeats) requests missed "
                    + "although their answer had been delivered earlier (background KV writes not yet done, or concurrent first "
                    + "requests). Single-flight across instances and a write-through option for the first answer would close the gap.")
            }
            let duplicates = kv.computed - (kv.requests - kv.hittable)
            if duplicates > 0 {
                next.append("\(duplicates) origin calls in the KV run recomputed a question that had been asked before: concurrent "
                    + "first requests, or answers that expired, were evicted or had not reached KV yet. Single-flight (in-process, "
                    + "then across instances with a Redis lock) would save those that overlapped in time.")
            }
            if kv.coldStartPlanEquivalentMilliseconds.isFinite, kv.coldStartPlanEquivalentMilliseconds > 500 {
                next.append("Cold starts still average \(ms(kv.coldStartPlanEquivalentMilliseconds)) plan-equivalent (plan target 200–500 ms): "
                    + "\(kv.coldStarts - kv.coldStartHits) of \(kv.coldStarts) first requests missed. Cache warming of the most asked "
                    + "questions (the plan's next step) targets exactly these.")
            } else if kv.coldStarts > kv.coldStartHits {
                next.append("\(kv.coldStarts - kv.coldStartHits) of \(kv.coldStarts) cold starts still missed (questions not yet in KV); "
                    + "cache warming (the plan's next step) would only help those.")
            }
        }

        // Fault windows: how long did requests wait before falling back?
        for scenario in scenarios {
            guard let primary = scenario.primary else { continue }
            let deadline = Double(scenario.kvDeadlineMilliseconds)
            for phase in primary.phases where phase.fault && phase.metrics.fallbacks > 0 {
                let overhead = phase.metrics.maxCacheOverheadMilliseconds
                if overhead >= 0.5 * deadline {
                    let waited = phase.metrics.fallbacksByClass["timeout"] ?? 0
                    let refused = phase.metrics.fallbacksByClass["circuit_open"] ?? 0
                    // The cache has a circuit breaker (issue 11): recommend tuning it, not adding one.
                    next.append("In `\(scenario.name)` phase `\(phase.name)`, requests waited up to \(ms(overhead)) in the cache "
                        + "(deadline \(ms(deadline))) before falling back; \(waited) of \(phase.metrics.fallbacks) fallbacks were timeouts "
                        + "and \(refused) were refused at once by the open circuit breaker. If the timeouts dominate, lower the "
                        + "breaker's opening threshold (`CacheConfiguration.circuitBreaker`) or the KV deadline.")
                } else {
                    achieved.append("In `\(scenario.name)` phase `\(phase.name)` the KV failure cost at most \(ms(overhead)) per request "
                        + "(deadline \(ms(deadline))) over \(phase.metrics.fallbacks) fallbacks.")
                }
            }
            // Recovery: fallbacks in a non-fault phase that follows a fault phase.
            for (index, phase) in primary.phases.enumerated() where index > 0 && !phase.fault && primary.phases[index - 1].fault {
                if phase.metrics.fallbacks > 0 {
                    let count = phase.metrics.fallbacks
                    next.append("After the fault in `\(scenario.name)` ended (phase `\(phase.name)`), \(count) request\(count == 1 ? "" : "s") "
                        + "still fell back before the KV tier recovered: reconnection could be quicker (or probed in the background).")
                } else if phase.metrics.kvHits > 0 {
                    achieved.append("`\(scenario.name)` recovered without a single fallback once the fault ended "
                        + "(phase `\(phase.name)`: \(phase.metrics.kvHits) KV hits).")
                }
            }
            let statistics = primary.cacheStatistics
            if statistics.backgroundWriteFailures > 0 || statistics.backgroundWritesDropped > 0 {
                next.append("`\(scenario.name)`: \(statistics.backgroundWriteFailures) background KV writes failed and "
                    + "\(statistics.backgroundWritesDropped) were dropped; those answers lived only in one instance's memory. "
                    + "A retry of the write once KV is back would restore sharing sooner.")
            }
        }
        if let persistence = scenarios.first(where: { scenario in
            scenario.primary?.phases.contains { $0.name.contains("restart") } ?? false
        }), let phase = persistence.primary?.phases.first(where: { $0.name.contains("restart") }) {
            achieved.append("After redis-server restarted (`\(persistence.name)`, phase `\(phase.name)`), "
                + "\(percent(phase.metrics.kvHitShare.isFinite ? phase.metrics.kvHitShare : 0)) of the hits came from KV "
                + "(the scenario's own expectations check that answers from before the restart were among them).")
        }
        self.achieved = achieved
        self.next = next
    }
}
