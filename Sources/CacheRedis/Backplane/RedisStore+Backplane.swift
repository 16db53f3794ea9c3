import CacheCore
import Logging

/// The Redis backplane: `PUBLISH` through the store's pipelined connection (a request/reply command like
/// any other), and a ``RedisSubscriber`` on a connection of its own to
/// ``RedisStore/Configuration/subscriberEndpoint`` (the store's endpoint by default).
extension RedisStore: KVBackplane {
    /// Publishes `message` on `channel` with `PUBLISH`.
    public func publish(_ message: [UInt8], channel: String, deadline: ContinuousClock.Instant) async throws(KVError) {
        _ = try await execute(RedisCommand([Array("PUBLISH".utf8), Array(channel.utf8), message], expecting: .integer), deadline: deadline)
    }

    /// Starts a subscriber connection on `channel`.
    public func subscribe(
        channel: String, policy: BackplanePolicy, logger: Logger, onEvent: @escaping @Sendable (BackplaneEvent) -> Void
    ) -> any BackplaneSubscription {
        RedisSubscriber(
            endpoint: configuration.subscriberEndpoint ?? endpoint, channel: channel, policy: policy,
            connectTimeout: configuration.connectTimeout, logger: logger, onEvent: onEvent)
    }
}
