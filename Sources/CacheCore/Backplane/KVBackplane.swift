import Logging

/// A KV store that can also carry the backplane: a per-namespace channel on which every instance
/// announces its `set`s and `invalidate`s so the others drop their memory copy (``ReadStrategy/memoryFirst``).
///
/// A separate protocol refining ``KVStore`` so stores that cannot carry it still compile and behave as
/// before; ``TieredCache`` asks `as? any KVBackplane` once. Messages are opaque bytes; the cache puts its
/// instance id in them so an instance ignores its own.
public protocol KVBackplane: KVStore {
    /// Publishes `message` on `channel`; returns or throws no later than `deadline` plus a few milliseconds.
    func publish(_ message: [UInt8], channel: String, deadline: ContinuousClock.Instant) async throws(KVError)

    /// Starts listening on `channel` in the background (never on the caller's task, never blocking the
    /// cooperative pool) until the subscription is cancelled, reconnecting with backoff when the link
    /// breaks and confirming it every ``BackplanePolicy/heartbeatInterval``. `onEvent` is called from one
    /// thread at a time, in order, and must return quickly.
    func subscribe(
        channel: String, policy: BackplanePolicy, logger: Logger,
        onEvent: @escaping @Sendable (BackplaneEvent) -> Void
    ) -> any BackplaneSubscription
}

/// What a backplane subscription reports, in order.
public enum BackplaneEvent: Sendable {
    /// A (re)subscription is in place: every message published after `since` will be delivered; messages
    /// published before may have been missed (the receiver resyncs).
    case subscribed(since: ContinuousClock.Instant)
    /// Every message published before `asOf` has been delivered (a heartbeat was answered).
    case confirmed(asOf: ContinuousClock.Instant)
    /// A message published by some instance.
    case message([UInt8])
    /// The link broke; the subscription reconnects by itself and reports ``subscribed(since:)`` again.
    case disconnected(KVError)
}

/// A running backplane subscription.
public protocol BackplaneSubscription: Sendable {
    /// Stops listening and closes the link; returns once no further event will be reported.
    func cancel() async
}
