/// What the backplane of a ``TieredCache`` has done so far (``TieredCache/backplaneStatus()``).
public struct BackplaneStatus: Sendable, Hashable {
    /// The state of the link.
    public enum State: String, Sendable, Hashable {
        /// No backplane: the read strategy is ``ReadStrategy/kvFirst``, the cache is memory-only, or the KV
        /// store cannot carry one (memory-first then reads KV first).
        case inactive
        /// Subscribing (at start, or reconnecting after a break).
        case connecting
        /// Subscribed: messages arrive.
        case subscribed
        /// The link broke; the subscriber is reconnecting.
        case disconnected
    }

    /// The state of the link.
    public var state: State = .inactive
    /// Messages received from other instances and applied (their keys dropped from memory).
    public var messagesApplied = 0
    /// This instance's own messages, received back and ignored.
    public var ownMessagesIgnored = 0
    /// Messages that could not be read (another version or another writer), ignored.
    public var malformedMessages = 0
    /// Messages this instance published.
    public var published = 0
    /// Publications that failed (logged `cache_backplane_publish_failed`); the other instances then rely
    /// on the staleness bound and their next resync.
    public var publishFailures = 0
    /// Times the memory tier was dropped because a (re)subscription may have missed messages.
    public var resyncs = 0
    /// Times the link broke.
    public var disconnects = 0
    /// Memory-first lookups that read KV first because the backplane's last confirmation was older than
    /// ``BackplanePolicy/maximumStaleness``.
    public var degradedLookups = 0
    /// How old the backplane's last confirmation is (`nil` before the first one or when inactive).
    public var confirmationAge: Duration?
}
