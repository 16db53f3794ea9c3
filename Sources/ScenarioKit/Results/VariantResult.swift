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
    /// The requests of each instance slot (empty for a run without Redis).
    public var instances: [InstanceResult]
    /// Every change of an instance's circuit breaker state, in time order.
    public var circuitTransitions: [CircuitTransition] = []
    /// Per-node traffic of the Redis Cluster (empty unless `backend: redis-cluster`).
    public var clusterNodes: [ClusterNodeResult] = []

    /// Creates a variant result.
    public init(
        label: String, metrics: MetricSet, phases: [PhaseResult], timeSeries: [TimeSeriesPoint],
        requestSlices: [RequestSlice], cacheStatistics: CacheStatisticsSummary, originKBCalls: Int, originLLMCalls: Int, instancesCreated: Int,
        events: [AppliedEvent], problemSamples: [String], durationSeconds: Double, instances: [InstanceResult] = []
    ) {
        self.instances = instances
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

    /// The measurements of a phase by name (`nil` if the run has no such phase), of every instance or of one slot.
    public func metrics(ofPhase name: String, instance: Int? = nil) -> MetricSet? {
        let phases = instance.map { slot in instances.first { $0.slot == slot }?.phases ?? [] } ?? self.phases
        return phases.first { $0.name == name }?.metrics
    }

    /// The measurements over the whole run, of every instance or of one slot (`nil` for a slot that never existed).
    public func metrics(ofInstance slot: Int?) -> MetricSet? {
        guard let slot else { return metrics }
        return instances.first { $0.slot == slot }?.metrics
    }
}
