/// A run cut by request position instead of time, so two runs of the same trace (KV and memory-only) can
/// be drawn on the same axis.
public struct RequestSlice: Sendable, Hashable, Codable {
    /// The first trace index in the slice.
    public var firstRequest: Int
    /// Requests in the slice.
    public var requests: Int = 0
    /// Hits among them.
    public var hits: Int = 0
    /// LLM calls among them.
    public var llmCalls: Int = 0
    /// Sum of plan-equivalent latencies (origin at scale 1).
    public var planLatencySumMilliseconds: Double = 0

    /// Creates an empty slice.
    public init(firstRequest: Int) { self.firstRequest = firstRequest }

    /// Hit rate in the slice (`nil` when empty).
    public var hitRate: Double? { requests == 0 ? nil : Double(hits) / Double(requests) }
    /// Mean plan-equivalent latency in the slice (0 when empty).
    public var meanPlanLatencyMilliseconds: Double { requests == 0 ? 0 : planLatencySumMilliseconds / Double(requests) }
}
