/// How the simulated origin answers: the share of questions the knowledge base knows, and the latency of
/// the knowledge base and of the LLM.
public struct OriginSpecification: Sendable, Hashable {
    /// The fraction of questions answered by the knowledge base; the rest go to the LLM.
    public var kbShare: Double
    /// The knowledge base's latency, in milliseconds at scale 1.
    public var kbLatency: LatencyDistribution
    /// The LLM's latency, in milliseconds at scale 1.
    public var llmLatency: LatencyDistribution
    /// Every origin latency is multiplied by this factor, so a run takes seconds rather than hours; the
    /// report divides simulated origin time by it again to give figures comparable with the plan's.
    public var latencyScale: Double

    /// The size of every answer in bytes, drawn per question (the same for every call), or `nil` for the natural
    /// size (about 80 bytes). Large answers let bandwidth and limit_data faults meet large values.
    public var answerBytes: LatencyDistribution?

    /// The largest answer size a scenario may ask for (16 MiB).
    public static let maximumAnswerBytes = 16.0 * 1024 * 1024

    /// Creates an origin specification.
    public init(
        kbShare: Double = 0.4,
        kbLatency: LatencyDistribution = .uniform(minimum: 50, maximum: 150),
        llmLatency: LatencyDistribution = .uniform(minimum: 800, maximum: 2500),
        latencyScale: Double = 1,
        answerBytes: LatencyDistribution? = nil
    ) {
        self.answerBytes = answerBytes
        self.kbShare = kbShare
        self.kbLatency = kbLatency
        self.llmLatency = llmLatency
        self.latencyScale = latencyScale
    }
}
