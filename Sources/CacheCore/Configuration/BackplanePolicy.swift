/// How the backplane keeps memory-first reads coherent (``CacheConfiguration/backplane``).
///
/// The backplane confirms, every ``heartbeatInterval``, that every message published before the moment it
/// asked has been delivered (a `PING` answered on the Redis subscriber connection, a poll of the REST
/// stream). The latest such moment is the cache's *coherence horizon*: a memory-first hit is served only
/// while the horizon is at most ``maximumStaleness`` old, so an instance cut off from the backplane (a
/// killed connection, a black hole, a partition) serves memory for at most that long, then reads KV first
/// until the backplane is back. On every (re)subscription the memory tier is dropped (a resync), because
/// messages may have been missed meanwhile.
public struct BackplanePolicy: Sendable, Hashable {
    /// The longest time a memory-first hit may rely on the backplane's last confirmation: the bound on how
    /// old an answer served from memory can be when messages stop arriving. Also how long an unanswered
    /// heartbeat is waited for before the subscriber reconnects.
    public var maximumStaleness: Duration
    /// How often the subscriber confirms the link (Redis: `PING` on the subscriber connection; REST: one
    /// poll of the stream). Kept well under ``maximumStaleness`` so a healthy link never lets it lapse.
    public var heartbeatInterval: Duration
    /// The longest wait between reconnection attempts of the subscriber (the first waits 50 ms, doubling).
    public var reconnectBackoffMaximum: Duration
    /// The deadline of one `publish`.
    public var publishDeadline: Duration

    /// Creates a policy; out-of-range values are clamped (the heartbeat at most half the staleness bound).
    public init(
        maximumStaleness: Duration = .seconds(1),
        heartbeatInterval: Duration = .milliseconds(200),
        reconnectBackoffMaximum: Duration = .seconds(2),
        publishDeadline: Duration = .seconds(1)
    ) {
        let bound = maximumStaleness > .milliseconds(10) ? maximumStaleness : .milliseconds(10)
        self.maximumStaleness = bound
        self.heartbeatInterval = min(max(heartbeatInterval, .milliseconds(5)), bound / 2)
        self.reconnectBackoffMaximum = max(reconnectBackoffMaximum, .milliseconds(50))
        self.publishDeadline = publishDeadline > .zero ? publishDeadline : .seconds(1)
    }
}
