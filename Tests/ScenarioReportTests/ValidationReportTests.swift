import Foundation
import ScenarioKit
import Testing

@testable import ScenarioReport

/// The report renders what it is given: verdict, ✓/✗ rows with measured value beside threshold, and the
/// JSON shape dashboards read.
@Suite("Validation report rendering")
struct ValidationReportTests {
    static func variant(label: String, hits: Int, llmCalls: Int, latency: Double) -> VariantResult {
        var metrics = MetricSet()
        metrics.requests = 100
        metrics.kvHits = label == "kv" ? hits : 0
        metrics.memoryHits = label == "kv" ? 0 : hits
        metrics.computed = 100 - hits
        metrics.hittable = 90
        metrics.llmCalls = llmCalls
        metrics.latency = LatencyStatistics(count: 100, mean: latency, p50: latency / 2, p95: latency * 3, p99: latency * 4, max: latency * 5)
        metrics.planEquivalentLatency = metrics.latency
        metrics.coldStarts = 4
        metrics.coldStartHits = label == "kv" ? 3 : 0
        metrics.coldStartLatencyMilliseconds = latency * 2
        metrics.coldStartPlanEquivalentMilliseconds = latency * 2
        metrics.modes = [label == "kv" ? "redis" : "memory-only"]
        var statistics = CacheStatisticsSummary()
        statistics.kvErrorsByClass = ["timeout": 3]
        return VariantResult(
            label: label, metrics: metrics,
            phases: [PhaseResult(name: "start", fault: false, startMilliseconds: 0, endMilliseconds: 10, metrics: metrics),
                     PhaseResult(name: "blackhole", fault: true, startMilliseconds: 10, endMilliseconds: 20, metrics: metrics)],
            timeSeries: [TimeSeriesPoint(startMilliseconds: 0, widthMilliseconds: 10)],
            requestSlices: [RequestSlice(firstRequest: 0)], cacheStatistics: statistics, originKBCalls: 0,
            originLLMCalls: llmCalls, instancesCreated: 4, events: [], problemSamples: [], durationSeconds: 1)
    }

    static func suite(passing: Bool) -> SuiteResult {
        let held = ExpectationOutcome(
            expectation: "hitRate ≥ 0.8", metric: "hitRate", phase: nil, measured: "88.0 %", measuredValue: 0.88,
            threshold: "≥ 80.0 %", passed: true, implicit: false)
        let broken = ExpectationOutcome(
            expectation: "maxCacheOverheadMs ≤ deadline + 150", metric: "maxCacheOverheadMs", phase: nil, measured: "512.0 ms",
            measuredValue: 512, threshold: "≤ 450.0 ms (deadline + 150)", passed: false, implicit: false)
        let scenario = ScenarioResult(
            name: "before-after", title: "7 · Before/after", description: "same trace twice", file: "Scenarios/07.yaml",
            passed: passing, error: nil, configuration: ["seed": "707"], kvDeadlineMilliseconds: 300, latencyScale: 0.02,
            primary: variant(label: "kv", hits: 88, llmCalls: 7, latency: 80),
            baseline: variant(label: "memory-only", hits: 50, llmCalls: 30, latency: 400),
            expectations: passing ? [held] : [held, broken], durationSeconds: 2)
        return SuiteResult(
            scenarios: [scenario], quick: true, seedOverride: nil, startedAt: Date(timeIntervalSince1970: 0),
            durationSeconds: 2, environment: ["redis-server": "7.0.15"], command: "swift run -c release cache-scenarios run --quick")
    }

    @Test func verdictAndRowsOfAPassingRun() {
        let report = ValidationReport(suite: Self.suite(passing: true))
        let markdown = report.markdown()
        #expect(report.verdict.hasPrefix("PASS — 1/1 scenarios passed, 1/1 expectations held"))
        #expect(markdown.contains("**Verdict: ✅ PASS"))
        #expect(markdown.contains("| ✓ | hitRate ≥ 0.8 | 88.0 % | ≥ 80.0 % |"))
        #expect(markdown.contains("swift run -c release cache-scenarios run --quick"))
        #expect(markdown.contains("| Cache hit rate | 40–60 % | 80–90 % | 50.0 % | 88.0 % | ✓ |"))
        #expect(markdown.contains("| LLM calls | 100 % | −40–60 % | 30 | 7 (−76.7 %) | ✓ |"))
        #expect(markdown.contains("timeout 3"))
        #expect(markdown.contains("![before/after](before-after-before-after.svg)"))
    }

    @Test func failingExpectationIsACrossWithMeasuredBesideThreshold() {
        let report = ValidationReport(suite: Self.suite(passing: false))
        let markdown = report.markdown()
        #expect(report.verdict.hasPrefix("FAIL — 0/1 scenarios passed, 1/2 expectations held"))
        #expect(markdown.contains("**Verdict: ❌ FAIL"))
        #expect(markdown.contains("| ✗ | maxCacheOverheadMs ≤ deadline + 150 | 512.0 ms | ≤ 450.0 ms (deadline + 150) |"))
    }

    @Test func jsonHasTheDocumentedShape() throws {
        let data = try ValidationReport(suite: Self.suite(passing: true)).json()
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let scenarios = try #require(root["scenarios"] as? [[String: Any]])
        let scenario = try #require(scenarios.first)
        for key in ["name", "passed", "requests", "failedRequests", "wrongAnswers", "hitRate", "optimalHitRate", "llmCalls", "fallbacks", "latencyMs"] {
            #expect(scenario[key] != nil, "missing \(key)")
        }
        #expect(scenario["name"] as? String == "before-after")
        #expect(scenario["passed"] as? Bool == true)
        #expect(scenario["requests"] as? Int == 100)
        #expect(scenario["llmCalls"] as? Int == 7)
        let latency = try #require(scenario["latencyMs"] as? [String: Any])
        for key in ["mean", "p50", "p95", "p99", "max"] { #expect(latency[key] is Double || latency[key] is Int, "latencyMs.\(key)") }
        #expect(latency["mean"] as? Double == 80)
        #expect(root["passed"] as? Bool == true)
    }

    @Test func chartsAreSVGWithFaultWindows() {
        let charts = ValidationReport(suite: Self.suite(passing: true)).charts()
        let timeline = charts["before-after-timeline.svg"]
        #expect(timeline?.hasPrefix("<svg") == true)
        #expect(timeline?.contains("#f8d0d0") == true, "the blackhole phase is shaded")
        #expect(charts["before-after-before-after.svg"]?.contains("<polyline") == true)
    }

    @Test func phaseCountersAndPerInstanceResultsAreShown() throws {
        var suite = Self.suite(passing: true)
        var primary = try #require(suite.scenarios[0].primary)
        primary.phases[1].metrics.protocolErrors = 3
        primary.phases[1].metrics.malformedEntries = 4
        primary.phases[1].metrics.backgroundWritesLost = 5
        primary.phases[1].metrics.kvErrors = 6
        primary.phases[1].metrics.proxyConnectionsAccepted = 40
        primary.phases[1].metrics.connectsPerSecond = 20
        primary.phases[1].metrics.runnerCPUSeconds = 0.25
        primary.phases[1].metrics.redisCPUSeconds = 0
        primary.phases[1].metrics.timeToLastInstanceKVHitMilliseconds = 120
        var sick = MetricSet()
        sick.requests = 10
        sick.fallbacks = 7
        let faultPhase = PhaseResult(name: "blackhole", fault: true, startMilliseconds: 10, endMilliseconds: 20, metrics: sick)
        primary.instances = [
            InstanceResult(slot: 0, proxy: "instance-0", metrics: sick, phases: [faultPhase]),
            InstanceResult(slot: 1, proxy: "instance-1", metrics: MetricSet(), phases: []),
        ]
        suite.scenarios[0].primary = primary
        let markdown = ValidationReport(suite: suite).markdown()
        #expect(markdown.contains("| blackhole | 120.0 | 6 | 3 | 4 | 5 | 40 | 20.0 | 0.250 | 0.000 |"))
        #expect(markdown.contains("| 0 | instance-0 | 10 |"))
        #expect(markdown.contains("| 7 | 7 |"))
        let json = try #require(try JSONSerialization.jsonObject(with: try ValidationReport(suite: suite).json()) as? [String: Any])
        let scenario = try #require((json["scenarios"] as? [[String: Any]])?.first)
        let phase = try #require((scenario["phases"] as? [[String: Any]])?.last)
        #expect(phase["protocolErrors"] as? Double == 3)
        #expect(phase["connectsPerSecond"] as? Double == 20)
        #expect(phase["timeToLastInstanceKVHitMs"] as? Double == 120)
        let instances = try #require(scenario["instances"] as? [[String: Any]])
        #expect(instances.map { $0["proxy"] as? String } == ["instance-0", "instance-1"])
        #expect(instances[0]["fallbacks"] as? Int == 7)
    }
}
