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

        // Fault windows: how long did requests wait before falling back? The cache has a circuit breaker
        // (issue 11), so the advice is about what it did, never "add one".
        for scenario in scenarios {
            guard let primary = scenario.primary else { continue }
            let deadline = Double(scenario.kvDeadlineMilliseconds)
            for phase in primary.phases where phase.fault && phase.metrics.fallbacks > 0 {
                let metrics = phase.metrics
                let overhead = metrics.maxCacheOverheadMilliseconds
                if metrics.openCircuitRequests > 0 {
                    achieved.append("In `\(scenario.name)` phase `\(phase.name)` the circuit breaker opened: \(metrics.deadlineWaits) "
                        + "requests waited for the \(ms(deadline)) deadline, then the \(metrics.openCircuitRequests) sent while it was open "
                        + "spent \(String(format: "%.2f", metrics.openCircuitOverheadP99Milliseconds)) ms in the cache at p99.")
                } else if metrics.deadlineWaits > 0 {
                    next.append("In `\(scenario.name)` phase `\(phase.name)`, \(metrics.deadlineWaits) requests waited for the "
                        + "\(ms(deadline)) KV deadline and the circuit breaker never opened (the failures stayed under its threshold "
                        + "and ratio, or were of a class it does not count); if the fault is the tier's, a lower opening ratio "
                        + "(`CircuitBreakerPolicy.failureRatio`) would cut those waits.")
                } else if overhead < 0.5 * deadline {
                    achieved.append("In `\(scenario.name)` phase `\(phase.name)` the KV failure cost at most \(ms(overhead)) per request "
                        + "(deadline \(ms(deadline))) over \(metrics.fallbacks) fallbacks.")
                }
            }
            // Recovery: fallbacks in a non-fault phase that follows a fault phase.
            for (index, phase) in primary.phases.enumerated() where index > 0 && !phase.fault && primary.phases[index - 1].fault {
                if phase.metrics.fallbacks > 0 {
                    let count = phase.metrics.fallbacks
                    let refused = phase.metrics.fallbacksByClass["circuit_open"] ?? 0
                    next.append("After the fault in `\(scenario.name)` ended (phase `\(phase.name)`), \(count) request\(count == 1 ? "" : "s") "
                        + "still fell back before the KV tier recovered (\(refused) refused by the breaker before its probe closed it; "
                        + "first KV hit after \(ms(phase.metrics.timeToFirstKVHitMilliseconds))).")
                } else if phase.metrics.kvHits > 0 {
                    achieved.append("`\(scenario.name)` recovered without a single fallback once the fault ended "
                        + "(phase `\(phase.name)`: \(phase.metrics.kvHits) KV hits).")
                }
            }
            let metrics = primary.metrics
            if !metrics.writesQueued.isNaN, metrics.writesQueued > 0 {
                let sentence = "`\(scenario.name)`: \(ScenarioMetric.format(metrics.writesQueued)) KV writes that failed during faults "
                    + "were kept, \(ScenarioMetric.format(metrics.writesReplayed)) replayed once the tier answered again and "
                    + "\(ScenarioMetric.format(metrics.writesDropped)) dropped (superseded by a newer write of the key, expired or over the bounds)."
                if metrics.writesDropped > metrics.writesQueued / 2 {
                    next.append(sentence + " Most were dropped: raise `CacheConfiguration.pendingWrites` if those answers matter.")
                } else {
                    achieved.append(sentence)
                }
            }
            let stale = primary.phases.map(\.metrics.staleAnswers).reduce(0, +)
            if stale > 0 {
                achieved.append("`\(scenario.name)`: \(stale) answers were served stale (fail-safe) while the origin failed or was slow, "
                    + "every one checked against an earlier version of the truth.")
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
