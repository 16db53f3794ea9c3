import Synchronization

/// The backplane state of one ``TieredCache``: its instance id, the running subscription, the coherence
/// horizon memory-first reads check, and counters.
///
/// The horizon is the latest instant as of which the backplane confirmed delivery of every message
/// (see ``BackplanePolicy``). It lives in an atomic (nanoseconds since the link was made) so the
/// memory-first hit path takes no lock.
final class BackplaneLink: Sendable {
    /// Identifies this cache instance in its messages, so it ignores its own.
    let instance: String
    let policy: BackplanePolicy
    /// The channel of the namespace.
    let channel: String
    private let base = ContinuousClock.now
    /// Nanoseconds since `base` of the last confirmation; `Int64.min` when memory must not be trusted.
    private let horizon = Atomic<Int64>(Int64.min)
    private let staleness: Int64

    struct Running: Sendable {
        var subscription: any BackplaneSubscription
        var publisher: any KVBackplane
    }

    private let running = Mutex<Running?>(nil)
    private let status = Mutex(BackplaneStatus())

    init(namespace: String, policy: BackplanePolicy) {
        var generator = SystemRandomNumberGenerator()
        self.instance = String(generator.next() as UInt64, radix: 36)
        self.policy = policy
        self.channel = BackplaneMessage.channel(namespace: namespace)
        self.staleness = Self.nanoseconds(policy.maximumStaleness)
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let parts = duration.components
        return parts.seconds.multipliedReportingOverflow(by: 1_000_000_000).partialValue &+ parts.attoseconds / 1_000_000_000
    }

    private func offset(_ instant: ContinuousClock.Instant) -> Int64 { Self.nanoseconds(instant - base) }

    /// Whether a memory hit may be served first at `now`: the backplane confirmed delivery recently enough.
    func trustsMemory(at now: ContinuousClock.Instant) -> Bool {
        let confirmed = horizon.load(ordering: .acquiring)
        return confirmed != Int64.min && offset(now) - confirmed <= staleness
    }

    /// Moves the horizon forward to `instant` (never back).
    func confirm(asOf instant: ContinuousClock.Instant) {
        let value = offset(instant)
        var current = horizon.load(ordering: .relaxed)
        while value > current {
            let (exchanged, original) = horizon.compareExchange(expected: current, desired: value, ordering: .acquiringAndReleasing)
            if exchanged { return }
            current = original
        }
    }

    /// Stops trusting memory until the next confirmation.
    func distrust() { horizon.store(Int64.min, ordering: .releasing) }

    /// Installs a running subscription; returns the one it replaces.
    func install(_ new: Running?) -> Running? {
        running.withLock { current in
            defer { current = new }
            return current
        }
    }

    /// The store to publish through, when a backplane is running.
    var publisher: (any KVBackplane)? { running.withLock { $0?.publisher } }

    /// Whether a backplane subscription is running.
    var isActive: Bool { running.withLock { $0 != nil } }

    /// Updates the counters.
    func record(_ change: (inout BackplaneStatus) -> Void) { status.withLock { change(&$0) } }

    /// A snapshot of the counters and state.
    func snapshot(now: ContinuousClock.Instant = .now) -> BackplaneStatus {
        var snapshot = status.withLock { $0 }
        if !isActive { snapshot.state = .inactive }
        let confirmed = horizon.load(ordering: .acquiring)
        snapshot.confirmationAge = confirmed == Int64.min ? nil : .nanoseconds(offset(now) - confirmed)
        return snapshot
    }
}
