/// One run of a scenario's trace: with its configured backend, or as the memory-only baseline.
public struct VariantResult: Sendable, Hashable, Codable {
    /// `kv` or `memory-only`.
    public var label: String
    /// The measurements over the whole run.
    public var metrics: MetricSet
    /// The measurements per phase.
    public var phases: [PhaseResult]
    /// The run in time slices.
    public var timeSeries: [TimeSeriesPoint]
    /// The run in slices of trace positions.
    public var requestSlices: [RequestSlice]
    /// The caches' own statistics.
    public var cacheStatistics: CacheStatisticsSummary
    /// Calls the origin counted (must equal the misses the records show).
    public var originKBCalls: Int
    /// LLM calls the origin counted.
    public var originLLMCalls: Int
    /// Instances created during the run (initial, deploys, cold starts).
    public var instancesCreated: Int
    /// The timeline as applied.
    public var events: [AppliedEvent]
    /// A few failures and wrong answers, verbatim.
    public var problemSamples: [String]
    /// How long the run took, in seconds.
    public var durationSeconds: Double

    /// Creates a variant result.
    public init(
        label: String, metrics: MetricSet, phases: [PhaseResult], timeSeries: [TimeSeriesPoint],
        requestSlices: [RequestSlice], cacheStatistics: CacheStatisticsSummary, originKBCalls: Int, originLLMCalls: Int, instancesCreated: Int,
        events: [AppliedEvent], problemSamples: [String], durationSeconds: Double
    ) {
        self.label = label
        self.metrics = metrics
        self.phases = phases
        self.timeSeries = timeSeries
        self.requestSlices = requestSlices
        self.cacheStatistics = cacheStatistics
        self.originKBCalls = originKBCalls
        self.originLLMCalls = originLLMCalls
        self.instancesCreated = instancesCreated
        self.events = events
        self.problemSamples = problemSamples
        self.durationSeconds = durationSeconds
    }

    /// The measurements of a phase by name (`nil` if the run has no such phase).
    public func metrics(ofPhase name: String) -> MetricSet? {
        let matching = phases.filter { $0.name == name }
        return matching.first?.metrics
    }
}
