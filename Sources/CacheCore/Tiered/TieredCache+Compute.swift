import CoreMetrics
import Logging

/// `getOrCompute`: the route's whole flow, with single-flight and fail-safe (issues 11 and 12).
///
/// Logs: `cache_stale_served` (info: a stale answer given instead of an origin error or wait).
extension TieredCache {
    private enum FlightOutcome: Sendable {
        case computed(FlightAnswer, SingleFlight<FlightAnswer>.Role)
        case softTimeout
    }

    /// The route's whole flow: look `key` up; on a miss run `compute` (the knowledge base, then the LLM),
    /// store its answer, and return it.
    ///
    /// - Single-flight: concurrent calls for one key in this cache share one `compute`; each gets its
    ///   result or its error once. A caller that is cancelled stops waiting without cancelling the others'
    ///   work, and the answer is stored even when every caller has gone.
    /// - Across instances (``CacheConfiguration/distributedLock``): the computing instance holds a short
    ///   lock in the KV tier; the others wait for its answer and read it from KV (``CacheResult/origin``
    ///   `.kv`, ``CacheResult/sharedComputation`` set). When the KV tier cannot coordinate, each instance
    ///   computes, as before.
    /// - Fail-safe: when the lookup found only a stale copy (past `ttl`, inside `staleWindow`) and
    ///   `compute` throws, or takes longer than `softTimeout`, the stale copy is the answer, marked
    ///   stale (``CacheResult/staleReason``). After a soft timeout the computation goes on in the background
    ///   and refreshes both tiers. Without a stale copy, `compute`'s error is thrown as before.
    ///
    /// `ttl`, `staleWindow` and `softTimeout` default to the configuration's ``CacheConfiguration/defaultTTL``,
    /// ``CacheConfiguration/staleWindow`` and ``CacheConfiguration/softTimeout``. Only `compute`'s own error
    /// (or `CancellationError` when the caller is cancelled) is thrown; the cache's failures never are.
    public func getOrCompute(
        _ key: String,
        ttl: Duration? = nil,
        staleWindow: Duration? = nil,
        softTimeout: Duration? = nil,
        compute: @escaping @Sendable () async throws -> CacheEntry
    ) async throws -> CacheResult {
        let lookupStarted = ContinuousClock.now
        let found = await lookup(key)
        if let entry = found.entry, let tier = found.tier {
            return CacheResult(
                entry: entry, origin: tier == .kv ? .kv : .memory, kvError: found.kvError, circuitState: circuitState)
        }
        // A key the cache refuses (too long) is computed without caching or sharing, as before.
        guard let cacheKey = CacheKey(key, namespace: configuration.namespace, maximumBytes: configuration.maximumKeyBytes) else {
            return CacheResult(entry: try await compute(), origin: .computed, kvError: found.kvError)
        }
        let flightKey = cacheKey.normalized
        let stale = found.staleEntry.flatMap { entry in found.staleTier.map { (entry: entry, tier: $0) } }
        let kvFailed = found.kvError != nil
        let operation: @Sendable () async throws -> FlightAnswer = { [self] in
            try await computeOnce(
                cacheKey, key: key, ttl: ttl, staleWindow: staleWindow, kvFailed: kvFailed, kvTimeSpent: .now - lookupStarted,
                compute: compute)
        }
        // The soft timeout matters only when there is something to answer with meanwhile.
        let patience = stale == nil ? nil : (softTimeout ?? configuration.softTimeout)
        do {
            switch try await awaitComputation(flightKey, operation: operation, softTimeout: patience) {
            case .computed(let answer, let role):
                if role == .follower {
                    statisticsRecorder.recordSharedComputation()
                    metrics.sharedComputations.increment()
                }
                // Found rather than computed: another caller's or instance's computation answered.
                return CacheResult(
                    entry: answer.entry, origin: answer.origin, kvError: found.kvError, circuitState: circuitState,
                    sharedComputation: role == .follower || answer.origin != .computed)
            case .softTimeout:
                // `patience` is set only with a stale copy.
                guard let stale else { preconditionFailure("soft timeout without a stale entry") }
                return staleAnswer(stale, key: flightKey, reason: .originSoftTimeout, kvError: found.kvError)
            }
        } catch {
            if let stale, !(error is CancellationError && Task.isCancelled) {
                return staleAnswer(stale, key: flightKey, reason: .originError, kvError: found.kvError)
            }
            throw error
        }
    }

    /// The shared computation's outcome, or `.softTimeout` when `softTimeout` passes first (the
    /// computation goes on: only this caller stops waiting for it).
    private func awaitComputation(
        _ key: String, operation: @escaping @Sendable () async throws -> FlightAnswer, softTimeout: Duration?
    ) async throws -> FlightOutcome {
        guard let softTimeout else {
            let (answer, role) = try await computations.run(key, operation: operation)
            return .computed(answer, role)
        }
        return try await withThrowingTaskGroup(of: FlightOutcome.self) { group in
            group.addTask { [computations] in
                let (answer, role) = try await computations.run(key, operation: operation)
                return .computed(answer, role)
            }
            group.addTask {
                try await Task.sleep(for: softTimeout)
                return .softTimeout
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw CancellationError() }
            return first
        }
    }

    private func staleAnswer(
        _ stale: (entry: CacheEntry, tier: CacheTier), key: String, reason: CacheResult.StaleReason, kvError: KVError.Code?
    ) -> CacheResult {
        statisticsRecorder.recordStaleAnswer(reason)
        (reason == .originError ? metrics.staleOriginError : metrics.staleSoftTimeout).increment()
        logger.info("cache_stale_served", metadata: [
            "key": "\(Self.loggable(key))", "reason": "\(reason.rawValue)", "tier": "\(stale.tier.rawValue)",
        ])
        return CacheResult(
            entry: stale.entry, origin: stale.tier == .kv ? .kv : .memory, kvError: kvError, staleReason: reason,
            circuitState: circuitState)
    }
}
