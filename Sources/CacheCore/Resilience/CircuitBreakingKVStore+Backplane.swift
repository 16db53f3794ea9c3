import Logging

/// The breaker forwards the backplane of the store it wraps: publications go through the breaker (they
/// fail at once while it is open, like any KV call); the subscription is the wrapped store's own, which
/// reconnects by itself. A wrapped store without a backplane refuses both (``TieredCache`` checks the
/// wrapped store before using either).
extension CircuitBreakingKVStore: KVBackplane {
    func publish(_ message: [UInt8], channel: String, deadline: ContinuousClock.Instant) async throws(KVError) {
        guard let backplane = wrapped as? any KVBackplane else {
            throw KVError(.invalidRequest, "the \(wrapped.backendName) store carries no backplane")
        }
        try await guarded { () async throws(KVError) in
            try await backplane.publish(message, channel: channel, deadline: deadline)
        }
    }

    func subscribe(
        channel: String, policy: BackplanePolicy, logger: Logger, onEvent: @escaping @Sendable (BackplaneEvent) -> Void
    ) -> any BackplaneSubscription {
        guard let backplane = wrapped as? any KVBackplane else { return NoBackplaneSubscription() }
        return backplane.subscribe(channel: channel, policy: policy, logger: logger, onEvent: onEvent)
    }
}

/// The subscription of a store without a backplane: reports nothing.
struct NoBackplaneSubscription: BackplaneSubscription {
    func cancel() async {}
}
