import CacheCore
import Logging

/// The backplane of the detecting store goes through its seed node's ``RedisStore`` whether or not the
/// server turned out to be a cluster: classic pub/sub is cluster-wide (a `PUBLISH` on any node reaches the
/// subscribers of every node), so one subscriber connection to the seed hears every instance. If the seed
/// node is lost, the subscriber cannot reconnect: memory-first reads then go KV first after the staleness
/// bound, as in any backplane outage.
extension RedisClusterDetectingStore: KVBackplane {
    /// Publishes through the seed node.
    public func publish(_ message: [UInt8], channel: String, deadline: ContinuousClock.Instant) async throws(KVError) {
        try await single.publish(message, channel: channel, deadline: deadline)
    }

    /// Subscribes on the seed node (or ``RedisStore/Configuration/subscriberEndpoint``).
    public func subscribe(
        channel: String, policy: BackplanePolicy, logger: Logger, onEvent: @escaping @Sendable (BackplaneEvent) -> Void
    ) -> any BackplaneSubscription {
        single.subscribe(channel: channel, policy: policy, logger: logger, onEvent: onEvent)
    }
}
