/// Computes ``MetricSet``s from request records.
public struct MetricAnalyzer: Sendable {
    /// How long before a request another request's answer must have been delivered for it to count as
    /// "answered earlier": the KV write happens in the background just after, so a request sent in the
    /// same instant could not have found it.
    public static let backgroundWriteGraceMilliseconds = 25.0

    private let records: [RequestRecord]
    private let isRepeat: [Bool]
    private let isCrossInstance: [Bool]
    private let isHittable: [Bool]
    private let isNeeded: [Bool]

    /// Prepares the analysis of a run's records (in any order); `ttlMilliseconds` is the answers' TTL
    /// (`nil`: they never expire), which decides which requests had to be computed again.
    public init(records: [RequestRecord], ttlMilliseconds: Double? = nil) {
        let sorted = records.sorted { $0.index < $1.index }
        self.records = sorted
        self.isNeeded = Self.neededComputations(sorted, ttlMilliseconds: ttlMilliseconds)
        // Earliest delivered answer per question, overall and per instance.
        var earliest: [String: Double] = [:]
        var earliestByInstance: [String: [Int: Double]] = [:]
        for record in sorted where record.outcome != .failed && record.wrongAnswer == nil {
            let end = record.endMilliseconds
            earliest[record.question] = min(earliest[record.question] ?? .infinity, end)
            earliestByInstance[record.question, default: [:]][record.instance] =
                min(earliestByInstance[record.question]?[record.instance] ?? .infinity, end)
        }
        var seen: Set<String> = []
        var isRepeat: [Bool] = []
        var isCross: [Bool] = []
        var isHittable: [Bool] = []
        for record in sorted {
            isHittable.append(!seen.insert(record.question).inserted)
            let cutoff = record.startMilliseconds - Self.backgroundWriteGraceMilliseconds
            let answeredBefore = (earliest[record.question] ?? .infinity) <= cutoff
            isRepeat.append(answeredBefore)
            let byInstance = earliestByInstance[record.question] ?? [:]
            let ownBefore = (byInstance[record.instance] ?? .infinity) < record.startMilliseconds
            let otherBefore = byInstance.contains { $0.key != record.instance && $0.value <= cutoff }
            isCross.append(!ownBefore && otherBefore)
        }
        self.isRepeat = isRepeat
        self.isCrossInstance = isCross
        self.isHittable = isHittable
    }

    /// Which requests had to be computed: the first ask of a question, and an ask that starts after the
    /// answer computed last for it had expired. The answer's lifetime starts when the request that needed
    /// it ended (about when it was stored).
    private static func neededComputations(_ sorted: [RequestRecord], ttlMilliseconds: Double?) -> [Bool] {
        var liveUntil: [String: Double] = [:]
        return sorted.map { record in
            if let until = liveUntil[record.question], record.startMilliseconds <= until { return false }
            // A failed request stored nothing: the next ask still has to compute.
            guard record.outcome != .failed else { return true }
            liveUntil[record.question] = record.endMilliseconds + (ttlMilliseconds ?? .infinity)
            return true
        }
    }

    /// The measurements of the requests that pass `filter` (all by default).
    public func metrics(since windowStart: Double = 0, where filter: (RequestRecord) -> Bool = { _ in true }) -> MetricSet {
        var set = MetricSet()
        var latencies: [Double] = []
        var planLatencies: [Double] = []
        var coldLatencies: [Double] = []
        var coldPlanLatencies: [Double] = []
        var openCircuitOverheads: [Double] = []
        var overheads: [Double] = []
        var modes: Set<String> = []
        var servingInstances: Set<Int> = []
        var firstKVHitByInstance: [Int: Double] = [:]
        var questions: Set<String> = []
        for (position, record) in records.enumerated() where filter(record) {
            set.requests += 1
            questions.insert(record.question)
            if isNeeded[position] { set.neededComputations += 1 }
            servingInstances.insert(record.instance)
            if record.outcome == .kv {
                firstKVHitByInstance[record.instance] = min(firstKVHitByInstance[record.instance] ?? .infinity, record.startMilliseconds)
            }
            modes.insert(record.mode)
            if isHittable[position] { set.hittable += 1 }
            switch record.outcome {
            case .kv: set.kvHits += 1
            case .memory: set.memoryHits += 1
            case .computed:
                set.computed += 1
                if record.calledOrigin {
                    if record.responder == .llm { set.llmCalls += 1 } else if record.responder == .kb { set.kbCalls += 1 }
                }
            case .failed: set.failedRequests += 1
            }
            if record.wrongAnswer != nil { set.wrongAnswers += 1 }
            if record.isStale { set.staleAnswers += 1 }
            if record.waitedForDeadline { set.deadlineWaits += 1 }
            if record.outcome != .failed, !record.sharedComputation { overheads.append(record.cacheOverheadMilliseconds) }
            // A request that joined another caller's origin call waited for the origin, not the cache.
            if record.circuitOpenAtStart, record.outcome != .failed, !record.sharedComputation {
                openCircuitOverheads.append(record.cacheOverheadMilliseconds)
            }
            if let kvError = record.kvError {
                set.fallbacks += 1
                set.fallbacksByClass[kvError, default: 0] += 1
            }
            latencies.append(record.latencyMilliseconds)
            planLatencies.append(record.planEquivalentLatencyMilliseconds)
            set.maxCacheOverheadMilliseconds = max(set.maxCacheOverheadMilliseconds, record.cacheOverheadMilliseconds)
            if record.isColdStart {
                set.coldStarts += 1
                if record.isHit { set.coldStartHits += 1 }
                coldLatencies.append(record.latencyMilliseconds)
                coldPlanLatencies.append(record.planEquivalentLatencyMilliseconds)
            }
            if record.outcome == .kv, set.timeToFirstKVHitMilliseconds.isNaN
                || record.startMilliseconds - windowStart < set.timeToFirstKVHitMilliseconds {
                set.timeToFirstKVHitMilliseconds = max(0, record.startMilliseconds - windowStart)
            }
            if isRepeat[position] {
                set.repeatRequests += 1
                if record.isHit { set.repeatHits += 1 }
            }
            if isCrossInstance[position] {
                set.crossInstanceRequests += 1
                if record.outcome == .kv { set.crossInstanceKVHits += 1 }
            }
        }
        set.latency = LatencyStatistics(milliseconds: latencies)
        set.openCircuitRequests = openCircuitOverheads.count
        if !overheads.isEmpty { set.cacheOverheadP99Milliseconds = LatencyStatistics(milliseconds: overheads).p99 }
        if !openCircuitOverheads.isEmpty {
            set.openCircuitOverheadP99Milliseconds = LatencyStatistics(milliseconds: openCircuitOverheads).p99
        }
        set.planEquivalentLatency = LatencyStatistics(milliseconds: planLatencies)
        if !coldLatencies.isEmpty {
            set.coldStartLatencyMilliseconds = coldLatencies.reduce(0, +) / Double(coldLatencies.count)
            set.coldStartPlanEquivalentMilliseconds = coldPlanLatencies.reduce(0, +) / Double(coldPlanLatencies.count)
        }
        set.modes = modes.sorted()
        set.distinctQuestions = questions.count
        if !servingInstances.isEmpty, servingInstances.allSatisfy({ firstKVHitByInstance[$0] != nil }) {
            set.timeToLastInstanceKVHitMilliseconds = max(0, (firstKVHitByInstance.values.max() ?? windowStart) - windowStart)
        }
        return set
    }

    /// Time from `start` to the first KV hit among the requests sent at or after it that pass `filter`, whatever
    /// their phase (NaN when none came).
    public func firstKVHit(after start: Double, where filter: (RequestRecord) -> Bool = { _ in true }) -> Double {
        var first = Double.nan
        for record in records where record.outcome == .kv && record.startMilliseconds >= start && filter(record) {
            let elapsed = record.startMilliseconds - start
            if first.isNaN || elapsed < first { first = elapsed }
        }
        return first
    }

    /// The run cut into `buckets` slices of consecutive trace positions.
    public func requestSlices(buckets: Int = 60) -> [RequestSlice] {
        guard let last = records.last?.index else { return [] }
        let size = max(1, (last + buckets) / max(1, buckets))
        var slices = stride(from: 0, through: last, by: size).map { RequestSlice(firstRequest: $0) }
        for record in records {
            let slot = min(slices.count - 1, record.index / size)
            slices[slot].requests += 1
            if record.isHit { slices[slot].hits += 1 }
            if record.outcome == .computed, record.calledOrigin, record.responder == .llm { slices[slot].llmCalls += 1 }
            slices[slot].planLatencySumMilliseconds += record.planEquivalentLatencyMilliseconds
        }
        return slices
    }

    /// The run cut into `buckets` equal time slices by send time, for charts.
    public func timeSeries(buckets: Int = 60) -> [TimeSeriesPoint] {
        guard let last = records.map(\.startMilliseconds).max(), !records.isEmpty else { return [] }
        let width = max(1, (last + 1) / Double(max(1, buckets)))
        var points = (0..<max(1, buckets)).map { TimeSeriesPoint(startMilliseconds: Double($0) * width, widthMilliseconds: width) }
        for record in records {
            let slot = min(points.count - 1, Int(record.startMilliseconds / width))
            points[slot].add(record)
        }
        return points
    }
}
