import Logging
import Synchronization

/// The circuit breaker and the writes replayed after an outage (issue 11).
///
/// Logs: `cache_kv_circuit_open` / `_half_open` / `_closed` (the breaker's transitions, see
/// ``CircuitBreaker``), `cache_kv_writes_replayed` (info: kept writes handed back to the KV tier).
extension TieredCache {
    /// When a kept write's entry stops being fresh and stops being usable at all.
    struct PendingLifetime {
        var freshUntil: ContinuousClock.Instant?
        var expiresAt: ContinuousClock.Instant?

        init(started: ContinuousClock.Instant, ttl: Duration?, staleWindow: Duration?) {
            freshUntil = ttl.map { started + $0 }
            expiresAt = freshUntil.map { $0 + (staleWindow ?? .zero) }
        }
    }

    /// `store` behind a circuit breaker with ``CacheConfiguration/circuitBreaker`` (unless disabled); the
    /// breaker replays the kept writes each time it closes.
    func wrapInBreaker(_ store: any KVStore) -> any KVStore {
        guard configuration.circuitBreaker.isEnabled else { return store }
        let breaker = CircuitBreaker(
            policy: configuration.circuitBreaker, namespace: configuration.namespace, backend: store.backendName,
            logger: logger, metricsFactory: metricsFactory, probeTimeout: configuration.kvDeadline,
            probe: { deadline in await CircuitBreakingKVStore.probe(store, deadline: deadline) },
            onClose: { [weak self] in self?.replayPendingWritesIfAny() })
        return CircuitBreakingKVStore(wrapping: store, breaker: breaker)
    }

    /// The breaker's state now, or `nil` without a KV store or with the breaker disabled.
    public var circuitState: CircuitState? {
        (currentStore as? CircuitBreakingKVStore)?.breaker.state
    }

    /// Whether a failed write is worth keeping: the tier was unreachable, slow or refused by the breaker.
    /// A write the server refused for its content (too large, invalid, `OOM`) would fail again.
    static func isWorthReplaying(_ error: KVError) -> Bool {
        if error.code == .circuitOpen { return true }
        switch CircuitBreaker.outcome(of: error) {
        case .failure, .authenticationFailure: return true
        case .success, .neutral: return false
        }
    }

    /// Keeps a write that could not be made for replay once the KV tier is back.
    func keepForReplay(_ key: CacheKey, _ entry: CacheEntry, lifetime: PendingLifetime, epoch: UInt64) {
        let write = PendingWriteQueue.Write(
            key: key, entry: entry, expiresAt: lifetime.expiresAt, generation: epoch, freshUntil: lifetime.freshUntil)
        changePendingWrites { $0.enqueue(write) }
    }

    /// Runs `change` on the queue under its lock and counts what it did in metrics.
    @discardableResult
    func changePendingWrites<T>(_ change: (inout PendingWriteQueue) -> T) -> T {
        let (result, before, after) = pendingWrites.withLock { queue in
            let before = queue.counts
            let result = change(&queue)
            return (result, before, queue.counts)
        }
        metrics.recordPendingChange(from: before, to: after)
        return result
    }

    /// Replays the kept writes, if there are any, in the background.
    ///
    /// Each goes through ``writeInBackground(_:_:ttl:staleWindow:store:epoch:encoded:)`` with the
    /// invalidation epoch it was first written at, so a write older than an invalidation that matched its
    /// key is skipped (the fence), and a key holding a newer envelope version is not overwritten. A replay
    /// that fails is kept again.
    func replayPendingWritesIfAny() {
        guard pendingWrites.withLock({ $0.count > 0 }), let store = currentStore else { return }
        let now = ContinuousClock.now
        let writes = changePendingWrites { $0.drain(now: now) }
        guard !writes.isEmpty else { return }
        var started = 0
        for write in writes {
            let fresh = write.freshUntil.map { max($0 - now, .milliseconds(1)) }
            let staleWindow = fresh.flatMap { fresh in write.expiresAt.map { $0 - now - fresh } }.flatMap { $0 > .zero ? $0 : nil }
            if writeInBackground(write.key, write.entry, ttl: fresh, staleWindow: staleWindow, store: store, epoch: write.generation) {
                started += 1
            }
        }
        logger.info("cache_kv_writes_replayed", metadata: ["writes": "\(writes.count)", "started": "\(started)"])
    }
}

extension TieredCache {
    /// Logs a call the open breaker refused: at debug level, with its metadata built only when debug logging
    /// is on. The breaker logs its transitions; each refused call is counted, never a warning of its own, and
    /// costs no formatting (every request pays it for as long as the breaker is open).
    func logCircuitRefusal(_ error: KVError, operation: CacheMetrics.Operation, key: CacheKey?, elapsed: Duration) {
        guard logger.logLevel <= .debug else { return }
        var metadata: Logger.Metadata = [
            "operation": "\(operation.rawValue)", "class": "\(error.code.name)",
            "error": "\(error.message)", "elapsed_ms": "\(elapsed / .milliseconds(1))",
        ]
        if let key { metadata["key"] = "\(Self.loggable(key.normalized))" }
        logger.debug("cache_kv_error", metadata: metadata)
    }
}
