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

    /// When the event fires.
    public var trigger: Trigger
    /// What it does.
    public var action: TimelineAction
    /// When set, a new phase with this name starts with the event; expectations can be scoped to it.
    public var phase: String?
    /// Whether the phase this event opens is a fault window (shaded in charts).
    public var fault: Bool

    /// Creates an event.
    public init(trigger: Trigger, action: TimelineAction, phase: String? = nil, fault: Bool = false) {
        self.trigger = trigger
        self.action = action
        self.phase = phase
        self.fault = fault
    }
}
