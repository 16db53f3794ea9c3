import Testing

@testable import ScenarioKit

/// The measurements the expectations judge, from hand-made request records.
@Suite("Metric analysis and expectation judging")
struct MetricAnalyzerTests {
    func record(
        _ index: Int, _ question: String, instance: Int, start: Double, latency: Double = 1, outcome: RequestRecord.Outcome,
        origin: Double = 0, kvError: String? = nil, wrong: String? = nil, phase: Int = 0, coldStart: Bool = false
    ) -> RequestRecord {
        var copy = RequestRecord(
            index: index, question: question, instance: instance, phase: phase, startMilliseconds: start,
            latencyMilliseconds: latency, originMilliseconds: origin, unscaledOriginMilliseconds: origin * 50,
            outcome: outcome, responder: outcome == .computed ? .llm : nil, kvError: kvError, wrongAnswer: wrong,
            failure: outcome == .failed ? "boom" : nil, mode: "redis", isColdStart: coldStart)
        copy.calledOrigin = outcome == .computed
        return copy
    }

    @Test func countsHitsOptimumRepeatsAndCrossInstanceHits() {
        let records = [
            record(0, "a", instance: 0, start: 0, latency: 20, outcome: .computed, origin: 19, coldStart: true),
            record(1, "a", instance: 1, start: 100, outcome: .kv, coldStart: true),       // cross-instance KV hit
            record(2, "a", instance: 0, start: 200, outcome: .memory),                    // repeat, same instance
            record(3, "b", instance: 1, start: 300, latency: 320, outcome: .computed, origin: 10, kvError: "timeout"),
            record(4, "b", instance: 1, start: 1000, outcome: .failed),
        ]
        let metrics = MetricAnalyzer(records: records).metrics()
        #expect(metrics.requests == 5)
        #expect(metrics.hits == 2)
        #expect(metrics.kvHits == 1 && metrics.memoryHits == 1)
        #expect(metrics.hittable == 3)                       // only the first "a" and first "b" must miss
        #expect(abs(metrics.optimalHitRate - 0.6) < 1e-12)
        #expect(metrics.llmCalls == 2)
        #expect(metrics.fallbacks == 1 && metrics.fallbacksByClass == ["timeout": 1])
        #expect(metrics.failedRequests == 1)
        #expect(metrics.repeatRequests == 3 && metrics.repeatHits == 2)
        #expect(metrics.crossInstanceRequests == 1 && metrics.crossInstanceKVHits == 1)
        #expect(metrics.coldStarts == 2 && metrics.coldStartHits == 1)
        #expect(abs(metrics.maxCacheOverheadMilliseconds - 310) < 1e-9)
        #expect(metrics.timeToFirstKVHitMilliseconds == 100)
        // Plan-equivalent latency puts the origin back at scale 1: request 0 spent 1 ms in the cache and 19 ms
        // (950 ms at scale 1) in the origin; request 3 spent 310 ms in the cache and 10 ms (500 ms) in the origin.
        #expect(abs(metrics.planEquivalentLatency.max - 951) < 1)
    }

    @Test func cacheOverheadIsTheCacheCallLessTheOrigin() {
        // Sent at 0, the cache call took 12 ms of which 10 in the origin, answered at 30 ms: the other 18 ms were
        // the harness starting the request's task and resuming its waiter, not the cache.
        var timed = record(0, "a", instance: 0, start: 0, latency: 30, outcome: .computed, origin: 10)
        timed.cacheCallMilliseconds = 12
        #expect(timed.cacheOverheadMilliseconds == 2)
        #expect(timed.latencyMilliseconds == 30)
        // A call that never returned has no call time: its whole latency counts.
        let untimed = record(1, "b", instance: 0, start: 0, latency: 30, outcome: .failed)
        #expect(untimed.cacheOverheadMilliseconds == 30)
        #expect(MetricAnalyzer(records: [timed]).metrics().maxCacheOverheadMilliseconds == 2)
    }

    @Test func expectationsAreJudgedAgainstTheirPhaseAndTheDeadline() throws {
        let records = [
            record(0, "a", instance: 0, start: 0, latency: 20, outcome: .computed, origin: 19),
            record(1, "a", instance: 0, start: 50, latency: 340, outcome: .memory, kvError: "timeout", phase: 1),
        ]
        let analyzer = MetricAnalyzer(records: records)
        let variant = VariantResult(
            label: "kv", metrics: analyzer.metrics(),
            phases: [
                PhaseResult(name: "start", fault: false, startMilliseconds: 0, endMilliseconds: 40, metrics: analyzer.metrics { $0.phase == 0 }),
                PhaseResult(name: "slow", fault: true, startMilliseconds: 40, endMilliseconds: 400, metrics: analyzer.metrics(since: 40) { $0.phase == 1 }),
            ],
            timeSeries: analyzer.timeSeries(), requestSlices: analyzer.requestSlices(), cacheStatistics: CacheStatisticsSummary(),
            originKBCalls: 0, originLLMCalls: 1, instancesCreated: 1, events: [], problemSamples: [], durationSeconds: 0.4)
        let scenario = Scenario(
            name: "judge", title: "judge", kvDeadlineMilliseconds: 300,
            topology: Topology(), workload: WorkloadSpecification(questions: 1, requests: 2), origin: OriginSpecification(),
            expectations: [
                Expectation(metric: .maxCacheOverheadMs, comparison: .atMost(.deadlinePlus(50))),
                Expectation(metric: .maxCacheOverheadMs, comparison: .atMost(.deadlinePlus(10))),
                Expectation(metric: .fallbacks, phase: "slow", comparison: .atLeast(.value(1))),
                Expectation(metric: .fallbacks, phase: "start", comparison: .atMost(.value(0))),
                Expectation(metric: .mode, comparison: .equals("redis")),
                Expectation(metric: .coldStartHitRate, comparison: .atLeast(.value(0.5))),
            ])
        let outcomes = ExpectationEvaluator.evaluate(scenario, primary: variant, baseline: nil)
        // Two implicit expectations (failed requests, wrong answers) come first.
        #expect(outcomes.count == 8)
        #expect(outcomes[0].implicit && outcomes[0].passed)
        #expect(outcomes[2].passed)                 // 340 ≤ 350
        #expect(!outcomes[3].passed)                // 340 > 310
        #expect(outcomes[3].threshold.contains("deadline + 10"))
        #expect(outcomes[4].passed && outcomes[5].passed && outcomes[6].passed)
        #expect(!outcomes[7].passed && outcomes[7].measured == "no sample")
    }

    @Test func aScenarioFileCannotLoosenTheZeroFailureRule() {
        let records = [
            record(0, "a", instance: 0, start: 0, outcome: .computed, origin: 1),
            record(1, "a", instance: 0, start: 5, outcome: .failed),
        ]
        let analyzer = MetricAnalyzer(records: records)
        let variant = VariantResult(
            label: "kv", metrics: analyzer.metrics(), phases: [], timeSeries: [], requestSlices: [],
            cacheStatistics: CacheStatisticsSummary(), originKBCalls: 0, originLLMCalls: 1, instancesCreated: 1,
            events: [], problemSamples: [], durationSeconds: 0.1)
        let scenario = Scenario(
            name: "lenient", title: "lenient", kvDeadlineMilliseconds: 300,
            topology: Topology(), workload: WorkloadSpecification(questions: 1, requests: 2), origin: OriginSpecification(),
            expectations: [Expectation(metric: .failedRequests, comparison: .atMost(.value(5)))])
        let outcomes = ExpectationEvaluator.evaluate(scenario, primary: variant, baseline: nil)
        #expect(outcomes.contains { $0.implicit && $0.metric == "failedRequests" && !$0.passed })
    }
}

/// "Every instance recovered" and expectations comparing two phases.
@Suite("Recovery of every instance and phase ratios")
struct RecoveryAndRatioTests {
    let base = MetricAnalyzerTests()

    @Test func lastInstanceRecoveryWaitsForEveryServingInstance() {
        let records = [
            base.record(0, "a", instance: 0, start: 110, outcome: .kv),
            base.record(1, "b", instance: 1, start: 120, outcome: .computed),
            base.record(2, "a", instance: 1, start: 400, outcome: .kv),
            base.record(3, "c", instance: 0, start: 500, outcome: .kv),
        ]
        let analyzer = MetricAnalyzer(records: records)
        let metrics = analyzer.metrics(since: 100)
        #expect(metrics.timeToFirstKVHitMilliseconds == 10)
        #expect(metrics.timeToLastInstanceKVHitMilliseconds == 300)
        // Instance 1 never hit in this window: not every instance recovered.
        #expect(analyzer.metrics(since: 100) { $0.index < 2 }.timeToLastInstanceKVHitMilliseconds.isNaN)
    }

    @Test func ratioComparesTwoPhases() {
        let records = [
            base.record(0, "a", instance: 0, start: 0, latency: 300, outcome: .memory, kvError: "timeout", phase: 0),
            base.record(1, "a", instance: 0, start: 500, latency: 150, outcome: .memory, kvError: "refused", phase: 1),
        ]
        let analyzer = MetricAnalyzer(records: records)
        let variant = VariantResult(
            label: "kv", metrics: analyzer.metrics(),
            phases: [
                PhaseResult(name: "outage", fault: true, startMilliseconds: 0, endMilliseconds: 500, metrics: analyzer.metrics { $0.phase == 0 }),
                PhaseResult(name: "refused", fault: true, startMilliseconds: 500, endMilliseconds: 900, metrics: analyzer.metrics(since: 500) { $0.phase == 1 }),
            ],
            timeSeries: [], requestSlices: [], cacheStatistics: CacheStatisticsSummary(), originKBCalls: 0, originLLMCalls: 0,
            instancesCreated: 1, events: [], problemSamples: [], durationSeconds: 1)
        let ratio = Expectation.PhaseRatio(phase: "outage", to: "refused")
        let scenario = Scenario(
            name: "ratio", title: "ratio", kvDeadlineMilliseconds: 300, topology: Topology(),
            workload: WorkloadSpecification(questions: 1, requests: 2), origin: OriginSpecification(),
            expectations: [
                Expectation(metric: .maxLatencyMs, ratio: ratio, comparison: .atMost(.value(2))),
                Expectation(metric: .maxLatencyMs, ratio: ratio, comparison: .atMost(.value(1.5))),
                Expectation(metric: .maxLatencyMs, ratio: Expectation.PhaseRatio(phase: "outage", to: "missing"), comparison: .atMost(.value(1))),
            ])
        let outcomes = ExpectationEvaluator.evaluate(scenario, primary: variant, baseline: nil)
        #expect(outcomes[2].passed && outcomes[2].measuredValue == 2)
        #expect(outcomes[2].threshold == "≤ 2")
        #expect(!outcomes[3].passed)
        #expect(!outcomes[4].passed && outcomes[4].measured == "phase not reached")
    }
}
