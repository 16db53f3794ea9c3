/// One time slice of a run, for the charts.
public struct TimeSeriesPoint: Sendable, Hashable, Codable {
    /// Start of the slice, in milliseconds since the run started.
    public var startMilliseconds: Double
    /// Width of the slice.
    public var widthMilliseconds: Double
    /// Requests sent in the slice.
    public var requests: Int = 0
    /// Hits among them.
    public var hits: Int = 0
    /// KV hits among them.
    public var kvHits: Int = 0
    /// Fallbacks among them.
    public var fallbacks: Int = 0
    /// Failed requests among them.
    public var failed: Int = 0
    /// Sum of latencies (for the mean).
    public var latencySumMilliseconds: Double = 0
    /// Worst latency.
    public var maxLatencyMilliseconds: Double = 0

    /// Creates an empty slice.
    public init(startMilliseconds: Double, widthMilliseconds: Double) {
        self.startMilliseconds = startMilliseconds
        self.widthMilliseconds = widthMilliseconds
    }

    /// Adds a request to the slice.
    public mutating func add(_ record: RequestRecord) {
        requests += 1
        if record.isHit { hits += 1 }
        if record.outcome == .kv { kvHits += 1 }
        if record.kvError != nil { fallbacks += 1 }
        if record.outcome == .failed { failed += 1 }
        latencySumMilliseconds += record.latencyMilliseconds
        maxLatencyMilliseconds = max(maxLatencyMilliseconds, record.latencyMilliseconds)
    }

    /// Mean latency in the slice (0 when empty).
    public var meanLatencyMilliseconds: Double { requests == 0 ? 0 : latencySumMilliseconds / Double(requests) }
    /// Hit rate in the slice (`nil` when empty).
    public var hitRate: Double? { requests == 0 ? nil : Double(hits) / Double(requests) }
}
