import CacheCore
import Foundation
import Logging
import Synchronization

/// The backplane's subscriber connection to Redis: a connection of its own (a subscribed connection
/// takes no other command, so it cannot be the store's pipelined request/reply connection), owned by a
/// dedicated thread that runs ``RedisSubscriberLoop`` — never the cooperative pool.
///
/// It subscribes to one channel, pings every ``BackplanePolicy/heartbeatInterval`` (a `PING` on a
/// subscribed connection is answered in order with the messages, so its answer proves every message
/// published before it was sent has arrived), reconnects with backoff when the link breaks or a `PING`
/// stays unanswered for ``BackplanePolicy/maximumStaleness``, and reports all of it as ``BackplaneEvent``s.
final class RedisSubscriber: BackplaneSubscription {
    private let cancelled = Atomic<Bool>(false)
    private let exit = Mutex(ThreadExit())

    /// Whether ``cancel()`` was called.
    var isCancelled: Bool { cancelled.load(ordering: .acquiring) }

    /// Starts the subscriber's thread.
    init(
        endpoint: RedisEndpoint, channel: String, policy: BackplanePolicy, connectTimeout: Duration, logger: Logger,
        onEvent: @escaping @Sendable (BackplaneEvent) -> Void
    ) {
        var subscriberLogger = logger
        subscriberLogger[metadataKey: "redis.endpoint"] = "\(endpoint.redactedURL)"
        subscriberLogger[metadataKey: "redis.connection"] = "subscriber"
        let settings = RedisSubscriberLoop.Settings(
            endpoint: endpoint, channel: channel, policy: policy, connectTimeout: connectTimeout, logger: subscriberLogger)
        let thread = Thread { [self] in
            RedisSubscriberLoop(settings: settings, subscriber: self, onEvent: onEvent).run()
            let waiters = exit.withLock { $0.markExited() }
            for waiter in waiters { waiter.resume() }
        }
        thread.name = "redis-subscriber"
        thread.start()
    }

    /// Stops the thread (within about 50 ms: it checks between polls) and waits for it to exit.
    func cancel() async {
        cancelled.store(true, ordering: .releasing)
        await ThreadExit.wait { waiter in exit.withLock { $0.add(waiter) } }
    }
}
