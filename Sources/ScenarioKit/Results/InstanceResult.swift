/// What one instance slot served: the requests of the instances that held it (a deploy replaces the instance,
/// not the slot), over the whole run and per phase.
public struct InstanceResult: Sendable, Hashable, Codable {
    /// The slot, 0-based in creation order.
    public var slot: Int
    /// The fault proxy its instances went through.
    public var proxy: String
    /// The measurements of its requests over the whole run.
    public var metrics: MetricSet
    /// The measurements of its requests per phase (same order and names as the variant's phases).
    public var phases: [PhaseResult]

    /// Creates an instance result.
    public init(slot: Int, proxy: String, metrics: MetricSet, phases: [PhaseResult]) {
        self.slot = slot
        self.proxy = proxy
        self.metrics = metrics
        self.phases = phases
    }
}
