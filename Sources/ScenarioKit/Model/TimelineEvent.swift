/// One event of a scenario's timeline: when it happens, what it does, and the phase it opens.
public struct TimelineEvent: Sendable, Hashable {
    /// When an event fires.
    public enum Trigger: Sendable, Hashable, CustomStringConvertible {
        /// Just before the request with this index (0-based) is sent.
        case afterRequests(Int)
        /// This many seconds after the scenario started (or as soon as the requests before it are sent).
        case afterSeconds(Double)

        /// The trigger as the report shows it (`after 500 requests`).
        public var description: String {
            switch self {
            case .afterRequests(let count): return "after \(count) requests"
            case .afterSeconds(let seconds): return "at \(seconds) s"
            }
        }
    }

    /// The instances a proxy action reaches (with `topology.proxies: per-instance`).
    public enum Target: Sendable, Hashable, CustomStringConvertible {
        /// Every live instance's proxy.
        case all
        /// The proxy of instance slot N (0-based, in creation order; a deploy keeps the slots).
        case instance(Int)
        /// The proxies of the first ⌈share × live instances⌉ live slots (at least one).
        case share(Double)

        /// The target as the report shows it.
        public var description: String {
            switch self {
            case .all: return "all instances"
            case .instance(let slot): return "instance \(slot)"
            case .share(let share): return "\(ScenarioMetric.format(share * 100)) % of the instances"
            }
        }
    }

    /// When the event fires.
    public var trigger: Trigger
    /// Which instances' proxies the action reaches.
    public var target: Target
    /// What it does.
    public var action: TimelineAction
    /// When set, a new phase with this name starts with the event; expectations can be scoped to it.
    public var phase: String?
    /// Whether the phase this event opens is a fault window (shaded in charts).
    public var fault: Bool
    /// With `backend: redis-cluster`, the node (numbered in start order) whose fault proxy a proxy action reaches;
    /// nil: every node's.
    public var node: Int?

    /// Creates an event.
    public init(trigger: Trigger, action: TimelineAction, phase: String? = nil, fault: Bool = false, target: Target = .all, node: Int? = nil) {
        self.node = node
        self.target = target
        self.trigger = trigger
        self.action = action
        self.phase = phase
        self.fault = fault
    }
}
