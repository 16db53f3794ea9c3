/// One scenario: a topology, a workload, an origin, a timeline of faults and the expectations that must
/// hold. Read from one file in `Scenarios/` by ``ScenarioParser``.
public struct Scenario: Sendable, Hashable {
    /// A short identifier, used in reports and on the command line (`kv-failing`).
    public var name: String
    /// A one-line title for the report.
    public var title: String
    /// What the scenario proves, in a sentence or two.
    public var description: String
    /// The file the scenario was read from (empty for scenarios built in code).
    public var file: String
    /// The hard deadline of every KV operation, in milliseconds (the plan's default is 2000).
    public var kvDeadlineMilliseconds: Int
    /// The cache instances and their backend.
    public var topology: Topology
    /// The request trace.
    public var workload: WorkloadSpecification
    /// How the simulated origin (KB, LLM) answers.
    public var origin: OriginSpecification
    /// Faults and lifecycle events, in order.
    public var timeline: [TimelineEvent]
    /// What must hold for the scenario to pass.
    public var expectations: [Expectation]
    /// When set, the same trace is also run memory-only, for the plan's before/after comparison.
    public var baseline: Baseline?
    /// How `--quick` scales this scenario down.
    public var quick: QuickScaling
    /// The name of the phase that runs before the first event opening another one.
    public var initialPhase: String

    /// The variant a comparison runs the trace against.
    public enum Baseline: String, Sendable, Hashable, CaseIterable {
        /// Every instance memory-only: the seed's `Map` cache.
        case memoryOnly = "memory-only"
    }

    /// Creates a scenario.
    public init(
        name: String,
        title: String,
        description: String = "",
        file: String = "",
        kvDeadlineMilliseconds: Int = 2000,
        topology: Topology,
        workload: WorkloadSpecification,
        origin: OriginSpecification,
        timeline: [TimelineEvent] = [],
        expectations: [Expectation] = [],
        baseline: Baseline? = nil,
        quick: QuickScaling = QuickScaling(),
        initialPhase: String = "start"
    ) {
        self.name = name
        self.title = title
        self.description = description
        self.file = file
        self.kvDeadlineMilliseconds = kvDeadlineMilliseconds
        self.topology = topology
        self.workload = workload
        self.origin = origin
        self.timeline = timeline
        self.expectations = expectations
        self.baseline = baseline
        self.quick = quick
        self.initialPhase = initialPhase
    }

    /// Whether the runner must start a redis-server and a fault proxy for this scenario.
    public var needsRedis: Bool {
        topology.backend != .none
    }
}
