import Foundation
import ScenarioKit

/// The shape of `validation-report.json`: the flat per-scenario figures a dashboard or a CI step reads,
/// plus the detail. Numbers that could not be measured are `null`, never NaN.
struct ReportDocument: Encodable {
    struct Latency: Encodable {
        var mean, p50, p95, p99, max: Double?

        init(_ statistics: LatencyStatistics) {
            mean = finite(statistics.mean)
            p50 = finite(statistics.p50)
            p95 = finite(statistics.p95)
            p99 = finite(statistics.p99)
            max = finite(statistics.max)
        }
    }

    struct Phase: Encodable {
        var name: String
        var fault: Bool
        var startMs, endMs: Double
        var requests: Int
        var hitRate: Double?
        var kvHits, fallbacks, failedRequests, wrongAnswers: Int
        var maxLatencyMs, maxCacheOverheadMs: Double?
        var timeToFirstKVHitMs, timeToLastInstanceKVHitMs: Double?
        var kvErrors, protocolErrors, malformedEntries, backgroundWritesLost, proxyConnectionsAccepted: Double?
        var connectsPerSecond, runnerCPUSeconds, redisCPUSeconds: Double?
        var staleAnswers, deadlineWaits, openCircuitRequests: Int
        var openCircuitOverheadP99Ms, writesQueued, writesReplayed, writesDropped: Double?

        init(_ phase: PhaseResult) {
            let metrics = phase.metrics
            name = phase.name
            fault = phase.fault
            startMs = phase.startMilliseconds
            endMs = phase.endMilliseconds
            requests = metrics.requests
            hitRate = finite(metrics.hitRate)
            kvHits = metrics.kvHits
            fallbacks = metrics.fallbacks
            failedRequests = metrics.failedRequests
            wrongAnswers = metrics.wrongAnswers
            maxLatencyMs = finite(metrics.latency.max)
            maxCacheOverheadMs = finite(metrics.maxCacheOverheadMilliseconds)
            timeToFirstKVHitMs = finite(metrics.timeToFirstKVHitMilliseconds)
            timeToLastInstanceKVHitMs = finite(metrics.timeToLastInstanceKVHitMilliseconds)
            kvErrors = finite(metrics.kvErrors)
            protocolErrors = finite(metrics.protocolErrors)
            malformedEntries = finite(metrics.malformedEntries)
            backgroundWritesLost = finite(metrics.backgroundWritesLost)
            proxyConnectionsAccepted = finite(metrics.proxyConnectionsAccepted)
            connectsPerSecond = finite(metrics.connectsPerSecond)
            runnerCPUSeconds = finite(metrics.runnerCPUSeconds)
            redisCPUSeconds = finite(metrics.redisCPUSeconds)
            staleAnswers = metrics.staleAnswers
            deadlineWaits = metrics.deadlineWaits
            openCircuitRequests = metrics.openCircuitRequests
            openCircuitOverheadP99Ms = finite(metrics.openCircuitOverheadP99Milliseconds)
            writesQueued = finite(metrics.writesQueued)
            writesReplayed = finite(metrics.writesReplayed)
            writesDropped = finite(metrics.writesDropped)
        }
    }

    struct Instance: Encodable {
        var slot: Int
        var proxy: String
        var requests, kvHits, memoryHits, fallbacks, failedRequests, wrongAnswers: Int
        var hitRate: Double?
        var phases: [Phase]

        init(_ instance: InstanceResult) {
            slot = instance.slot
            proxy = instance.proxy
            requests = instance.metrics.requests
            kvHits = instance.metrics.kvHits
            memoryHits = instance.metrics.memoryHits
            fallbacks = instance.metrics.fallbacks
            failedRequests = instance.metrics.failedRequests
            wrongAnswers = instance.metrics.wrongAnswers
            hitRate = finite(instance.metrics.hitRate)
            phases = instance.phases.map(Phase.init)
        }
    }

    struct Variant: Encodable {
        var label: String
        var requests, failedRequests, wrongAnswers, kvHits, memoryHits, llmCalls, kbCalls, fallbacks: Int
        var hitRate, optimalHitRate, coldStartLatencyMs, coldStartPlanEquivalentMs: Double?
        var latencyMs, planEquivalentLatencyMs: Latency
        var kvErrorsByClass: [String: Int]
        var cacheStatistics: CacheStatisticsSummary
        var instancesCreated: Int
        var durationSeconds: Double
        var circuitTransitions: [CircuitTransition]
        /// Per-node traffic of a cluster run (omitted otherwise).
        var clusterNodes: [ClusterNodeResult]?

        init(_ variant: VariantResult) {
            let metrics = variant.metrics
            label = variant.label
            requests = metrics.requests
            failedRequests = metrics.failedRequests
            wrongAnswers = metrics.wrongAnswers
            kvHits = metrics.kvHits
            memoryHits = metrics.memoryHits
            llmCalls = metrics.llmCalls
            kbCalls = metrics.kbCalls
            fallbacks = metrics.fallbacks
            hitRate = finite(metrics.hitRate)
            optimalHitRate = finite(metrics.optimalHitRate)
            coldStartLatencyMs = finite(metrics.coldStartLatencyMilliseconds)
            coldStartPlanEquivalentMs = finite(metrics.coldStartPlanEquivalentMilliseconds)
            latencyMs = Latency(metrics.latency)
            planEquivalentLatencyMs = Latency(metrics.planEquivalentLatency)
            kvErrorsByClass = variant.cacheStatistics.kvErrorsByClass
            cacheStatistics = variant.cacheStatistics
            instancesCreated = variant.instancesCreated
            durationSeconds = variant.durationSeconds
            circuitTransitions = variant.circuitTransitions
            clusterNodes = variant.clusterNodes.isEmpty ? nil : variant.clusterNodes
        }
    }

    struct Scenario: Encodable {
        var name, title, file: String
        var passed: Bool
        var error: String?
        var requests, failedRequests, wrongAnswers, llmCalls, fallbacks: Int
        var hitRate, optimalHitRate: Double?
        var latencyMs: Latency
        var kvDeadlineMs: Int
        var latencyScale: Double
        var expectations: [ExpectationOutcome]
        var phases: [Phase]
        var instances: [Instance]
        var primary: Variant?
        var baseline: Variant?
        var configuration: [String: String]
        var durationSeconds: Double

        init(_ result: ScenarioResult) {
            let metrics = result.primary?.metrics ?? MetricSet()
            name = result.name
            title = result.title
            file = result.file
            passed = result.passed
            error = result.error
            requests = metrics.requests
            failedRequests = metrics.failedRequests
            wrongAnswers = metrics.wrongAnswers
            llmCalls = metrics.llmCalls
            fallbacks = metrics.fallbacks
            hitRate = finite(metrics.hitRate)
            optimalHitRate = finite(metrics.optimalHitRate)
            latencyMs = Latency(metrics.latency)
            kvDeadlineMs = result.kvDeadlineMilliseconds
            latencyScale = result.latencyScale
            expectations = result.expectations
            phases = (result.primary?.phases ?? []).map(Phase.init)
            instances = (result.primary?.instances ?? []).map(Instance.init)
            primary = result.primary.map(Variant.init)
            baseline = result.baseline.map(Variant.init)
            configuration = result.configuration
            durationSeconds = result.durationSeconds
        }
    }

    var verdict: String
    var passed: Bool
    var quick: Bool
    var seed: UInt64?
    var startedAt: Date
    var durationSeconds: Double
    var environment: [String: String]
    var command: String
    var planImpact: [PlanImpact.Row]
    var scenarios: [Scenario]
}

/// `nil` for NaN and infinities, which JSON cannot carry.
func finite(_ value: Double) -> Double? { value.isFinite ? value : nil }

extension ValidationReport {
    /// `validation-report.json`.
    public func json() throws -> Data {
        let document = ReportDocument(
            verdict: verdict, passed: suite.passed, quick: suite.quick, seed: suite.seedOverride,
            startedAt: suite.startedAt, durationSeconds: suite.durationSeconds, environment: suite.environment,
            command: suite.command, planImpact: PlanImpact(suite: suite).rows,
            scenarios: suite.scenarios.map(ReportDocument.Scenario.init))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(document)
    }
}
