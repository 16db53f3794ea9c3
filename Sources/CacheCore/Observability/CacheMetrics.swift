import Metrics
import Synchronization

/// The cache's swift-metrics instruments, created once per cache with dimensions (never globals), so an
/// application's metrics backend (Prometheus, OTel, StatsD …) sees:
/// - `cache_lookups_total{namespace, result=kv_hit|memory_hit|miss}`
/// - `cache_kv_duration_seconds{namespace, operation, outcome=ok|error}` (a timer: percentiles, not a count)
/// - `cache_kv_errors_total{namespace, operation, class}`
/// - `cache_fallbacks_total{namespace, operation}`
/// - `cache_background_writes_total{namespace, result=ok|error|dropped}`
/// - `cache_entries_too_large_total{namespace, operation=get|set}`
/// - `cache_pending_writes_total{namespace, result=queued|replayed|dropped}` (writes kept for replay)
/// - `cache_stale_answers_total{namespace, reason=origin_error|origin_soft_timeout}`
/// - `cache_shared_computations_total{namespace}` (single-flight followers)
/// - `cache_kv_circuit_state{namespace}` and `cache_kv_circuit_transitions_total{namespace, to}` (see
///   ``CircuitBreaker``)
final class CacheMetrics: Sendable {
    /// The KV operations the cache performs.
    enum Operation: String, CaseIterable {
        case get, set, scan, delete, lock

        /// The operation's place in ``allCases``: the instruments are kept in arrays in that order, so
        /// recording one (every KV call does) hashes no string.
        var index: Int {
            switch self {
            case .get: return 0
            case .set: return 1
            case .scan: return 2
            case .delete: return 3
            case .lock: return 4
            }
        }
    }

    private let namespace: String
    let kvHit: Counter
    let memoryHit: Counter
    let miss: Counter
    private let latencyOK: [Metrics.Timer]
    private let latencyError: [Metrics.Timer]
    private let fallbacks: [Counter]
    let backgroundOK: Counter
    let backgroundError: Counter
    let backgroundDropped: Counter
    let tooLargeRead: Counter
    let tooLargeWrite: Counter
    let pendingQueued: Counter
    let pendingReplayed: Counter
    let pendingDropped: Counter
    let staleOriginError: Counter
    let staleSoftTimeout: Counter
    let sharedComputations: Counter
    private let errorCounters = Mutex<[String: Counter]>([:])
    private let factory: any MetricsFactory

    init(namespace: String, factory: any MetricsFactory) {
        self.namespace = namespace
        self.factory = factory
        let base = [("namespace", namespace)]
        kvHit = Counter(label: "cache_lookups_total", dimensions: base + [("result", "kv_hit")], factory: factory)
        memoryHit = Counter(label: "cache_lookups_total", dimensions: base + [("result", "memory_hit")], factory: factory)
        miss = Counter(label: "cache_lookups_total", dimensions: base + [("result", "miss")], factory: factory)
        var ok: [Metrics.Timer] = []
        var failed: [Metrics.Timer] = []
        var fallbacks: [Counter] = []
        for operation in Operation.allCases {
            precondition(operation.index == ok.count, "Operation.index must follow allCases")
            let dimensions = base + [("operation", operation.rawValue)]
            ok.append(Metrics.Timer(label: "cache_kv_duration_seconds", dimensions: dimensions + [("outcome", "ok")], factory: factory))
            failed.append(Metrics.Timer(label: "cache_kv_duration_seconds", dimensions: dimensions + [("outcome", "error")], factory: factory))
            fallbacks.append(Counter(label: "cache_fallbacks_total", dimensions: dimensions, factory: factory))
        }
        latencyOK = ok
        latencyError = failed
        self.fallbacks = fallbacks
        backgroundOK = Counter(label: "cache_background_writes_total", dimensions: base + [("result", "ok")], factory: factory)
        backgroundError = Counter(label: "cache_background_writes_total", dimensions: base + [("result", "error")], factory: factory)
        backgroundDropped = Counter(label: "cache_background_writes_total", dimensions: base + [("result", "dropped")], factory: factory)
        tooLargeRead = Counter(label: "cache_entries_too_large_total", dimensions: base + [("operation", "get")], factory: factory)
        tooLargeWrite = Counter(label: "cache_entries_too_large_total", dimensions: base + [("operation", "set")], factory: factory)
        pendingQueued = Counter(label: "cache_pending_writes_total", dimensions: base + [("result", "queued")], factory: factory)
        pendingReplayed = Counter(label: "cache_pending_writes_total", dimensions: base + [("result", "replayed")], factory: factory)
        pendingDropped = Counter(label: "cache_pending_writes_total", dimensions: base + [("result", "dropped")], factory: factory)
        staleOriginError = Counter(
            label: "cache_stale_answers_total", dimensions: base + [("reason", CacheResult.StaleReason.originError.rawValue)], factory: factory)
        staleSoftTimeout = Counter(
            label: "cache_stale_answers_total", dimensions: base + [("reason", CacheResult.StaleReason.originSoftTimeout.rawValue)],
            factory: factory)
        sharedComputations = Counter(label: "cache_shared_computations_total", dimensions: base, factory: factory)
    }

    func recordLatency(_ duration: Duration, operation: Operation, succeeded: Bool) {
        let nanoseconds = duration / .nanoseconds(1)
        (succeeded ? latencyOK : latencyError)[operation.index].recordNanoseconds(Int64(nanoseconds))
    }

    func recordError(_ code: KVError.Code, operation: Operation) {
        let key = "\(operation.rawValue)/\(code.name)"
        let counter = errorCounters.withLock { counters in
            if let existing = counters[key] { return existing }
            let created = Counter(
                label: "cache_kv_errors_total",
                dimensions: [("namespace", namespace), ("operation", operation.rawValue), ("class", code.name)],
                factory: factory)
            counters[key] = created
            return created
        }
        counter.increment()
    }

    /// Counts what a change to the pending-write queue did, from its counts before and after.
    func recordPendingChange(from before: PendingWriteQueue.Counts, to after: PendingWriteQueue.Counts) {
        if after.queued > before.queued { pendingQueued.increment(by: after.queued - before.queued) }
        if after.replayed > before.replayed { pendingReplayed.increment(by: after.replayed - before.replayed) }
        if after.dropped > before.dropped { pendingDropped.increment(by: after.dropped - before.dropped) }
    }

    func recordFallback(operation: Operation) {
        fallbacks[operation.index].increment()
    }
}
