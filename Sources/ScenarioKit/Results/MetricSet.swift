/// The measurements of a set of requests (a whole run, or one phase).
public struct MetricSet: Sendable, Hashable, Codable {
    /// Requests.
    public var requests: Int = 0
    /// Requests that threw or timed out.
    public var failedRequests: Int = 0
    /// Answers that differed from the origin's truth.
    public var wrongAnswers: Int = 0
    /// KV hits.
    public var kvHits: Int = 0
    /// Memory hits.
    public var memoryHits: Int = 0
    /// Misses answered by the origin.
    public var computed: Int = 0
    /// Requests that could have hit: their question was asked earlier in the trace.
    public var hittable: Int = 0
    /// Calls to the knowledge base.
    public var kbCalls: Int = 0
    /// Calls to the LLM.
    public var llmCalls: Int = 0
    /// Distinct questions asked.
    public var distinctQuestions: Int = 0
    /// Requests that had to be computed (first asks, and asks after the last computed answer expired).
    public var neededComputations: Int = 0
    /// Requests during which the KV tier failed.
    public var fallbacks: Int = 0
    /// Fallbacks by KV error class.
    public var fallbacksByClass: [String: Int] = [:]
    /// Request latency as measured (origin latency scaled).
    public var latency: LatencyStatistics = .empty
    /// Request latency with the origin's time at scale 1 (comparable with the plan's figures).
    public var planEquivalentLatency: LatencyStatistics = .empty
    /// Worst time spent in the cache itself (latency minus origin time).
    public var maxCacheOverheadMilliseconds: Double = 0
    /// First requests of instances.
    public var coldStarts: Int = 0
    /// Cold starts that hit.
    public var coldStartHits: Int = 0
    /// Mean latency of cold starts, as measured.
    public var coldStartLatencyMilliseconds: Double = .nan
    /// Mean latency of cold starts with the origin at scale 1.
    public var coldStartPlanEquivalentMilliseconds: Double = .nan
    /// Requests whose question had been answered, at least a moment before, elsewhere in the run.
    public var repeatRequests: Int = 0
    /// Repeat requests that hit.
    public var repeatHits: Int = 0
    /// Requests whose question this instance never answered but another instance had.
    public var crossInstanceRequests: Int = 0
    /// Cross-instance requests served by KV.
    public var crossInstanceKVHits: Int = 0
    /// Answers the cache marked stale (fail-safe: the origin failed or was slow).
    public var staleAnswers: Int = 0
    /// Requests that spent at least the KV deadline in the cache: they waited for the KV tier in vain.
    public var deadlineWaits: Int = 0
    /// The 99th percentile of the cache's own time per request among requests sent while their instance's
    /// circuit breaker was open (NaN when there was none): what a request costs once the breaker has opened.
    public var openCircuitOverheadP99Milliseconds: Double = .nan
    /// Requests sent while their instance's breaker was open or half-open.
    public var openCircuitRequests: Int = 0
    /// The 99th percentile of the cache's own time per request (latency minus origin time), every request.
    public var cacheOverheadP99Milliseconds: Double = .nan
    /// Time from the window's start to the first KV hit among requests sent at or after it, in this window or
    /// a later one (NaN when none came): recovery in time, not bounded by the window's length.
    public var firstKVHitAfterMilliseconds: Double = .nan
    /// KV writes kept for replay (failed, or refused by the open breaker), from the caches' statistics.
    public var writesQueued: Double = .nan
    /// Kept writes handed back to the KV tier once it answered again.
    public var writesReplayed: Double = .nan
    /// Kept writes dropped (replaced by a newer write of the key, expired, over a bound, or invalidated).
    public var writesDropped: Double = .nan
    /// The modes of the serving instances.
    public var modes: [String] = []
    /// Time from the start of the window to the first request answered by KV (NaN when none was).
    public var timeToFirstKVHitMilliseconds: Double = .nan

    /// Time from the start of the window until every instance that served requests in it had served one from KV:
    /// the last instance's recovery (NaN when one never did).
    public var timeToLastInstanceKVHitMilliseconds: Double = .nan
    /// Replies the caches rejected as protocol errors (a reply failing the key check: paired with the wrong
    /// command), from their statistics; NaN where not measured.
    public var protocolErrors: Double = .nan
    /// Stored entries the caches could not decode.
    public var malformedEntries: Double = .nan
    /// Background KV writes that failed or were dropped.
    public var backgroundWritesLost: Double = .nan
    /// KV errors of every class but `not_configured`.
    public var kvErrors: Double = .nan
    /// Connections the fault proxies accepted.
    public var proxyConnectionsAccepted: Double = .nan
    /// Accepted connections per second of the window: connects and reconnects.
    public var connectsPerSecond: Double = .nan
    /// CPU seconds the runner's process (caches and proxies) used.
    public var runnerCPUSeconds: Double = .nan
    /// CPU seconds redis-server used.
    public var redisCPUSeconds: Double = .nan
    /// The worst time from a cluster action's completion to the next KV hit (NaN: no cluster action completed).
    public var timeToKVHitAfterClusterActionMilliseconds: Double = .nan
    /// Keys on the emptiest primary / mean keys per primary at the run's end (NaN: not a cluster run).
    public var minPrimaryKeyShare: Double = .nan
    /// The staleness windows after invalidations, in milliseconds (whole run only; see
    /// ``ScenarioMetric/stalenessWindowP50Ms``); empty when the run had no `invalidate`.
    public var stalenessWindowsMilliseconds: [Double] = []
    /// Old answers served inside a staleness window (whole run only).
    public var invalidatedAnswers: Double = .nan

    /// Creates an empty set.
    public init() {}

    /// Hits of either tier.
    public var hits: Int { kvHits + memoryHits }
    /// Hits / requests.
    public var hitRate: Double { requests == 0 ? .nan : Double(hits) / Double(requests) }
    /// The best hit rate possible on these requests.
    public var optimalHitRate: Double { requests == 0 ? .nan : Double(hittable) / Double(requests) }
    /// Hit rate / optimum.
    public var hitRateVsOptimum: Double { optimalHitRate > 0 ? hitRate / optimalHitRate : .nan }
    /// KV hits / hits.
    public var kvHitShare: Double { hits == 0 ? .nan : Double(kvHits) / Double(hits) }
    /// Cold-start hit rate.
    public var coldStartHitRate: Double { coldStarts == 0 ? .nan : Double(coldStartHits) / Double(coldStarts) }
    /// Repeat hit rate.
    public var repeatHitRate: Double { repeatRequests == 0 ? .nan : Double(repeatHits) / Double(repeatRequests) }
    /// Cross-instance KV hit rate.
    public var crossInstanceKVHitRate: Double {
        crossInstanceRequests == 0 ? .nan : Double(crossInstanceKVHits) / Double(crossInstanceRequests)
    }
    /// LLM + knowledge base calls.
    public var originCalls: Int { llmCalls + kbCalls }
    /// Origin calls per distinct question.
    public var originCallsPerQuestion: Double {
        distinctQuestions == 0 ? .nan : Double(originCalls) / Double(distinctQuestions)
    }
    /// Origin calls per needed computation.
    public var originCallsPerNeededComputation: Double {
        neededComputations == 0 ? .nan : Double(originCalls) / Double(neededComputations)
    }
    /// One mode, or `mixed`.
    public var mode: String { modes.count == 1 ? modes[0] : (modes.isEmpty ? "none" : "mixed") }

    /// The value of a metric that is measured on a set of requests (`nil` for the others).
    public func value(of metric: ScenarioMetric) -> Double? {
        switch metric {
        case .requests: return Double(requests)
        case .failedRequests: return Double(failedRequests)
        case .wrongAnswers: return Double(wrongAnswers)
        case .hitRate: return hitRate
        case .optimalHitRate: return optimalHitRate
        case .hitRateVsOptimum: return hitRateVsOptimum
        case .kvHits: return Double(kvHits)
        case .memoryHits: return Double(memoryHits)
        case .kvHitShare: return kvHitShare
        case .fallbacks: return Double(fallbacks)
        case .llmCalls: return Double(llmCalls)
        case .kbCalls: return Double(kbCalls)
        case .originCalls: return Double(originCalls)
        case .distinctQuestions: return Double(distinctQuestions)
        case .originCallsPerQuestion: return originCallsPerQuestion
        case .neededComputations: return Double(neededComputations)
        case .originCallsPerNeededComputation: return originCallsPerNeededComputation
        case .meanLatencyMs: return latency.mean
        case .p50LatencyMs: return latency.p50
        case .p95LatencyMs: return latency.p95
        case .p99LatencyMs: return latency.p99
        case .maxLatencyMs: return latency.max
        case .maxCacheOverheadMs: return maxCacheOverheadMilliseconds
        case .coldStartLatencyMs: return coldStartLatencyMilliseconds
        case .coldStartHitRate: return coldStartHitRate
        case .repeatHitRate: return repeatHitRate
        case .crossInstanceKVHitRate: return crossInstanceKVHitRate
        case .timeToFirstKVHitMs: return timeToFirstKVHitMilliseconds
        case .timeToLastInstanceKVHitMs: return timeToLastInstanceKVHitMilliseconds
        case .kvErrors: return kvErrors
        case .protocolErrors: return protocolErrors
        case .malformedEntries: return malformedEntries
        case .backgroundWritesLost: return backgroundWritesLost
        case .proxyConnectionsAccepted: return proxyConnectionsAccepted
        case .connectsPerSecond: return connectsPerSecond
        case .runnerCPUSeconds: return runnerCPUSeconds
        case .redisCPUSeconds: return redisCPUSeconds
        case .staleAnswers: return Double(staleAnswers)
        case .deadlineWaits: return Double(deadlineWaits)
        case .openCircuitOverheadP99Ms: return openCircuitOverheadP99Milliseconds
        case .openCircuitRequests: return Double(openCircuitRequests)
        case .cacheOverheadP99Ms: return cacheOverheadP99Milliseconds
        case .firstKVHitAfterMs: return firstKVHitAfterMilliseconds
        case .writesQueued: return writesQueued
        case .writesReplayed: return writesReplayed
        case .writesDropped: return writesDropped
        case .timeToKVHitAfterClusterActionMs: return timeToKVHitAfterClusterActionMilliseconds
        case .minPrimaryKeyShare: return minPrimaryKeyShare
        case .stalenessWindowP50Ms: return Self.percentile(stalenessWindowsMilliseconds, 0.50)
        case .stalenessWindowP99Ms: return Self.percentile(stalenessWindowsMilliseconds, 0.99)
        case .stalenessWindowMaxMs: return stalenessWindowsMilliseconds.max() ?? .nan
        case .invalidatedAnswers: return invalidatedAnswers
        case .mode, .hitRateGain, .llmCallReduction, .meanLatencyReduction, .coldStartLatencyReduction:
            return nil
        }
    }

    /// The nearest-rank percentile of `values` (NaN when empty).
    static func percentile(_ values: [Double], _ quantile: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let rank = Int((quantile * Double(sorted.count)).rounded(.up))
        return sorted[min(sorted.count - 1, max(0, rank - 1))]
    }
}
