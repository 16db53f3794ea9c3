import Logging

/// The backplane (issue 12): with ``ReadStrategy/memoryFirst``, every `set` and `invalidate` is
/// published on the namespace's channel, and the messages of other instances drop their keys from this
/// instance's memory.
///
/// Logs: `cache_backplane_subscribed` (info; with `resync` = memory entries dropped), `cache_backplane_disconnected`
/// (warning), `cache_backplane_unavailable` (notice: memory-first asked for, but the KV store carries no
/// backplane, so reads go KV first), `cache_backplane_publish_failed` (warning), `cache_backplane_message_malformed`
/// (debug).
extension TieredCache {
    /// What the backplane has done so far.
    public func backplaneStatus() -> BackplaneStatus { backplaneLink.snapshot() }

    /// Starts listening when the strategy is memory-first and `rawStore` can carry a backplane; `wrapped`
    /// is the same store behind the circuit breaker, through which messages are published.
    func startBackplane(rawStore: (any KVStore)?, wrapped: (any KVStore)?) {
        guard configuration.readStrategy == .memoryFirst, let rawStore else { return }
        guard rawStore is any KVBackplane, let publisher = wrapped as? any KVBackplane else {
            logger.notice("cache_backplane_unavailable", metadata: [
                "backend": "\(rawStore.backendName)", "read_strategy": "kv-first",
            ])
            return
        }
        backplaneLink.record { $0.state = .connecting }
        let subscription = publisher.subscribe(
            channel: backplaneLink.channel, policy: configuration.backplane, logger: logger
        ) { [weak self] event in
            self?.handleBackplaneEvent(event)
        }
        let previous = backplaneLink.install(BackplaneLink.Running(subscription: subscription, publisher: publisher))
        if let previous { Task { await previous.subscription.cancel() } }
    }

    /// Stops listening; memory is no longer trusted first (reads go KV first until a new backplane confirms).
    func stopBackplane() async {
        backplaneLink.distrust()
        guard let previous = backplaneLink.install(nil) else { return }
        await previous.subscription.cancel()
        backplaneLink.distrust()
    }

    /// Replaces the backplane after the KV store was swapped.
    func restartBackplane(rawStore: (any KVStore)?) async {
        await stopBackplane()
        startBackplane(rawStore: rawStore, wrapped: currentStore)
    }

    func handleBackplaneEvent(_ event: BackplaneEvent) {
        switch event {
        case .subscribed(let since):
            // Messages published before `since` may be lost: whatever memory holds may be stale. Dropped
            // through the invalidation fence, so a KV read in flight cannot put back a value read before.
            let generation = invalidations.begin(GlobPattern("*"))
            let dropped = memory.removeAll(matching: GlobPattern("*"))
            invalidations.end(generation)
            backplaneLink.confirm(asOf: since)
            backplaneLink.record {
                $0.state = .subscribed
                $0.resyncs += 1
            }
            logger.info("cache_backplane_subscribed", metadata: [
                "channel": "\(backplaneLink.channel)", "instance": "\(backplaneLink.instance)", "resync": "\(dropped)",
            ])
        case .confirmed(let asOf):
            backplaneLink.confirm(asOf: asOf)
        case .message(let bytes):
            apply(bytes)
        case .disconnected(let error):
            // Memory stays trusted until the last confirmation is older than the staleness bound.
            backplaneLink.record {
                $0.state = .disconnected
                $0.disconnects += 1
            }
            logger.warning("cache_backplane_disconnected", metadata: [
                "class": "\(error.code.name)", "error": "\(error.message)",
                "memory_trusted_ms": "\(configuration.backplane.maximumStaleness / .milliseconds(1))",
            ])
        }
    }

    private func apply(_ bytes: [UInt8]) {
        guard let message = BackplaneMessage(decoding: bytes) else {
            backplaneLink.record { $0.malformedMessages += 1 }
            logger.debug("cache_backplane_message_malformed", metadata: ["bytes": "\(bytes.count)"])
            return
        }
        guard message.instance != backplaneLink.instance else {
            backplaneLink.record { $0.ownMessagesIgnored += 1 }
            return
        }
        // Through the fence, as a local invalidation: a KV read of the key in flight here, begun before the
        // other instance's change landed, is discarded instead of refilling memory with the old value.
        switch message.change {
        case .set(let key):
            let generation = invalidations.begin(GlobPattern(GlobPattern.escape(key)))
            memory.remove(key)
            invalidations.end(generation)
        case .invalidate(let pattern):
            let glob = GlobPattern(pattern)
            let generation = invalidations.begin(glob)
            _ = memory.removeAll(matching: glob)
            changePendingWrites { $0.removeAll(matching: glob) }
            invalidations.end(generation)
        }
        backplaneLink.record { $0.messagesApplied += 1 }
    }

    /// Publishes a change, when a backplane runs. Never throws; a failure is logged and counted.
    func publishChange(_ change: BackplaneMessage.Change) async {
        guard let publisher = backplaneLink.publisher else { return }
        let message = BackplaneMessage(instance: backplaneLink.instance, change: change)
        do throws(KVError) {
            try await publisher.publish(
                message.encoded, channel: backplaneLink.channel, deadline: .now + configuration.backplane.publishDeadline)
            backplaneLink.record { $0.published += 1 }
        } catch {
            backplaneLink.record { $0.publishFailures += 1 }
            logger.warning("cache_backplane_publish_failed", metadata: ["class": "\(error.code.name)", "error": "\(error.message)"])
        }
    }
}
