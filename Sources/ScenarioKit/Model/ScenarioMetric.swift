import Foundation

/// A measurement an expectation can name.
public enum ScenarioMetric: String, Sendable, Hashable, CaseIterable {
    /// Requests sent.
    case requests
    /// Requests that threw or timed out (must be 0: the cache never breaks a request).
    case failedRequests
    /// Answers that differ from the origin's truth (must be 0).
    case wrongAnswers
    /// Hits (KV or memory) / requests.
    case hitRate
    /// The trace's best possible hit rate: 1 − distinct questions / requests.
    case optimalHitRate
    /// hitRate / optimalHitRate.
    case hitRateVsOptimum
    /// Hits served by the KV tier.
    case kvHits
    /// Hits served by the memory tier.
    case memoryHits
    /// KV hits / all hits.
    case kvHitShare
    /// Requests during which the KV tier failed and memory or the origin answered.
    case fallbacks
    /// KV errors of every class except `not_configured`, from the caches' statistics.
    case kvErrors
    /// Calls to the LLM.
    case llmCalls
    /// Calls to the knowledge base.
    case kbCalls
    /// Origin calls: LLM + knowledge base (each computation calls one of them).
    case originCalls
    /// Distinct questions asked.
    case distinctQuestions
    /// Origin calls / distinct questions asked: 1 when each question was computed once across every instance
    /// (the thundering-herd check, issue 12). Meaningful only while no answer expires or is invalidated.
    case originCallsPerQuestion
    /// Requests that had to be computed: the first ask of each question and each ask after the answer last
    /// computed had expired (its TTL). Invalidations and flushes are not counted.
    case neededComputations
    /// Origin calls / needed computations: 1 when no question was computed twice while an answer was live.
    case originCallsPerNeededComputation
    /// Mean request latency.
    case meanLatencyMs
    /// Median request latency.
    case p50LatencyMs
    /// 95th percentile request latency.
    case p95LatencyMs
    /// 99th percentile request latency.
    case p99LatencyMs
    /// Worst request latency.
    case maxLatencyMs
    /// Worst time a request spent in the cache itself: its latency minus the origin's time for it. The
    /// "no request waits past the deadline plus origin time" check.
    case maxCacheOverheadMs
    /// Mean latency of the first request of each instance.
    case coldStartLatencyMs
    /// Hit rate of the first request of each instance.
    case coldStartHitRate
    /// Among requests for a question already answered earlier in the run, the share that hit.
    case repeatHitRate
    /// Among requests for a question this instance never saw but another instance answered earlier, the
    /// share served by the KV tier: the cache is shared.
    case crossInstanceKVHitRate
    /// Time from the start of the phase (or run) to the first request served by KV: how fast the KV tier
    /// recovers after a fault.
    case timeToFirstKVHitMs
    /// Time from the start of the phase (or run) until every instance that served requests in it had a KV hit:
    /// "every instance recovered", not only the first.
    case timeToLastInstanceKVHitMs
    /// Replies rejected as protocol errors by the caches (`kvErrorsByClass["protocol"]`), among them replies that
    /// failed the entry's key check because they answered another command.
    case protocolErrors
    /// Stored entries the caches could not decode (foreign, garbage, unknown version), from their statistics.
    case malformedEntries
    /// Background KV writes that failed or were dropped: answers that never reached the shared tier.
    case backgroundWritesLost
    /// Connections accepted by the fault proxies: every connect and reconnect of every instance.
    case proxyConnectionsAccepted
    /// Accepted connections per second: a reconnect storm shows here.
    case connectsPerSecond
    /// CPU seconds used by the runner's process (the caches under test and the in-process proxies).
    case runnerCPUSeconds
    /// CPU seconds used by redis-server.
    case redisCPUSeconds
    /// Answers the cache marked stale (fail-safe: served because the origin failed or was slower than the
    /// soft timeout).
    case staleAnswers
    /// Requests that spent at least the KV deadline in the cache (latency minus origin time ≥ deadline): each
    /// waited for a KV tier that never answered. The circuit breaker's job is to keep this near its threshold.
    case deadlineWaits
    /// The 99th percentile of the cache's own time per request (latency minus origin time) among requests
    /// sent while their instance's circuit breaker was open or half-open: the cost of a request once open.
    case openCircuitOverheadP99Ms
    /// Requests sent while their instance's circuit breaker was open or half-open.
    case openCircuitRequests
    /// The 99th percentile of the cache's own time per request (latency minus origin time), every request.
    case cacheOverheadP99Ms
    /// Time from the phase's start to the first KV hit among requests sent at or after it, in that phase or a
    /// later one: "the first KV hit after the fault ends", measured in time rather than bounded by the phase.
    case firstKVHitAfterMs
    /// KV writes kept for replay because they failed or the open breaker refused them (caches' statistics).
    case writesQueued
    /// Kept writes replayed into the KV tier once it answered again.
    case writesReplayed
    /// Kept writes dropped: replaced by a newer write of the key, expired, over the queue's bounds, invalidated.
    case writesDropped
    /// The mode of the instances that served the requests (`redis`, `memory-only`, or `mixed`).
    case mode
    /// With `backend: redis-cluster`: for each cluster action (failover, reshard, node restart) that completed in
    /// the window, the time from its completion to the first KV hit among requests sent after it; the worst of them.
    case timeToKVHitAfterClusterActionMs
    /// With `backend: redis-cluster`, at the end of the run: the keys on the primary holding the fewest, divided
    /// by the mean per primary (0: a primary holds none; 1: spread evenly). Whole run only.
    case minPrimaryKeyShare
    /// Hit rate minus the memory-only baseline's hit rate, on the same trace.
    case hitRateGain
    /// 1 − LLM calls / baseline LLM calls.
    case llmCallReduction
    /// 1 − mean latency / baseline mean latency.
    case meanLatencyReduction
    /// 1 − cold-start latency / baseline cold-start latency.
    case coldStartLatencyReduction
    /// With an `invalidate` event (and its `kbUpdate`): per (invalidation, other instance), the time from the
    /// start of the invalidation to the start of the last request that instance answered with an old answer
    /// (0 when none); the median over those pairs. How long the others keep serving what was invalidated.
    case stalenessWindowP50Ms
    /// The 99th percentile of the staleness windows (see ``stalenessWindowP50Ms``).
    case stalenessWindowP99Ms
    /// The longest staleness window (see ``stalenessWindowP50Ms``).
    case stalenessWindowMaxMs
    /// Old answers served after an invalidation that covered them (each is inside a staleness window; an old
    /// answer not covered by an invalidation is a wrong answer).
    case invalidatedAnswers

    /// Whether the metric compares against the memory-only baseline (needs `baseline: memory-only`).
    public var needsBaseline: Bool {
        switch self {
        case .hitRateGain, .llmCallReduction, .meanLatencyReduction, .coldStartLatencyReduction: return true
        default: return false
        }
    }

    /// Whether the metric can be restricted to one phase.
    public var isPhaseScopable: Bool {
        switch self {
        case .hitRateGain, .llmCallReduction, .meanLatencyReduction, .coldStartLatencyReduction, .minPrimaryKeyShare: return false
        case .stalenessWindowP50Ms, .stalenessWindowP99Ms, .stalenessWindowMaxMs, .invalidatedAnswers: return false
        default: return true
        }
    }

    /// Whether the metric can be measured on one instance's requests (`instance: N`): those computed from the
    /// request records, not the counters read from the caches, the proxies and the kernel.
    public var isPerInstance: Bool {
        switch self {
        case .kvErrors, .protocolErrors, .malformedEntries, .backgroundWritesLost, .proxyConnectionsAccepted,
             .writesQueued, .writesReplayed, .writesDropped,
             .connectsPerSecond, .runnerCPUSeconds, .redisCPUSeconds, .timeToLastInstanceKVHitMs,
             .timeToKVHitAfterClusterActionMs:
            return false
        default:
            return isPhaseScopable
        }
    }

    /// Whether the metric is text (compared with `equals`) rather than a number.
    public var isText: Bool { self == .mode }

    /// Whether the value is a ratio, shown as a percentage.
    public var isRatio: Bool {
        switch self {
        case .hitRate, .optimalHitRate, .hitRateVsOptimum, .kvHitShare, .coldStartHitRate, .repeatHitRate,
             .crossInstanceKVHitRate, .minPrimaryKeyShare, .hitRateGain, .llmCallReduction, .meanLatencyReduction, .coldStartLatencyReduction:
            return true
        default:
            return false
        }
    }

    /// Formats a number without trailing noise.
    public static func format(_ value: Double) -> String {
        if value.isNaN { return "n/a" }
        if value == value.rounded() && abs(value) < 1e12 { return String(Int(value)) }
        return abs(value) < 10 ? String(format: "%.4g", value) : String(format: "%.1f", value)
    }

    /// Formats a measured value of this metric for a report.
    public func format(_ value: Double) -> String {
        if value.isNaN { return "n/a" }
        if isRatio { return String(format: "%.1f %%", value * 100) }
        if rawValue.hasSuffix("Ms") { return String(format: "%.1f ms", value) }
        if rawValue.hasSuffix("Seconds") { return String(format: "%.3f s", value) }
        if self == .connectsPerSecond { return String(format: "%.1f /s", value) }
        return Self.format(value)
    }
}
