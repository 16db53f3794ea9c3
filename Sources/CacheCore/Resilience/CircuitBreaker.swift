import Logging
import Metrics
import Synchronization

/// Fails KV calls fast while the KV tier is down, so an outage costs a request nothing instead of the
/// whole KV deadline; one probe per cool-down finds out when the tier is back.
///
/// The decisions are ``CircuitBreakerStateMachine``'s; this class holds it under a lock, logs transitions
/// only (`cache_kv_circuit_open`, `cache_kv_circuit_half_open`, `cache_kv_circuit_closed`) and keeps the
/// gauge `cache_kv_circuit_state{namespace}` (0 closed, 1 half-open, 2 open) and the counter
/// `cache_kv_circuit_transitions_total{namespace, to}`.
final class CircuitBreaker: Sendable {
    /// A call admitted by ``admit()``: hand it back to ``finish(_:outcome:)``.
    struct Ticket: Sendable {
        let isProbe: Bool
    }

    private let machine: Mutex<CircuitBreakerStateMachine>
    private let logger: Logger
    private let gauge: Gauge
    private let transitions: [String: Counter]
    private let onClose: @Sendable () -> Void

    /// Creates a closed breaker; `onClose` runs (outside the lock) each time a probe closes it.
    init(
        policy: CircuitBreakerPolicy, namespace: String, backend: String, logger: Logger,
        metricsFactory: any MetricsFactory = MetricsSystem.factory, onClose: @escaping @Sendable () -> Void = {}
    ) {
        machine = Mutex(CircuitBreakerStateMachine(policy: policy, now: .now, seed: UInt64(truncatingIfNeeded: namespace.hashValue)))
        var logger = logger
        logger[metadataKey: "backend"] = "\(backend)"
        self.logger = logger
        gauge = Gauge(label: "cache_kv_circuit_state", dimensions: [("namespace", namespace)], factory: metricsFactory)
        var counters: [String: Counter] = [:]
        for state in [CircuitState.open, .halfOpen, .closed] {
            counters[state.rawValue] = Counter(
                label: "cache_kv_circuit_transitions_total", dimensions: [("namespace", namespace), ("to", state.rawValue)],
                factory: metricsFactory)
        }
        transitions = counters
        self.onClose = onClose
        gauge.record(CircuitState.closed.gaugeValue)
    }

    /// The breaker's state now.
    var state: CircuitState { machine.withLock { $0.state } }

    /// A ticket for a call that may start, or the error to fail it with at once.
    func admit() -> Result<Ticket, KVError> {
        let now = ContinuousClock.now
        let (admission, transition) = machine.withLock { $0.admit(now: now) }
        if let transition { report(transition, now: now) }
        switch admission {
        case .call: return .success(Ticket(isProbe: false))
        case .probe: return .success(Ticket(isProbe: true))
        case .reject(let probeAt):
            let wait = max(.zero, probeAt - now)
            return .failure(KVError(.circuitOpen, "the KV tier is failing; next probe in \(wait / .milliseconds(1)) ms"))
        }
    }

    /// Records how an admitted call ended.
    func finish(_ ticket: Ticket, outcome: CircuitBreakerStateMachine.Outcome) {
        let now = ContinuousClock.now
        let transition = machine.withLock { $0.record(outcome, wasProbe: ticket.isProbe, now: now) }
        if let transition { report(transition, now: now) }
    }

    /// Records a call's error: which failures say the KV tier is unhealthy.
    func finish(_ ticket: Ticket, error: KVError) {
        finish(ticket, outcome: Self.outcome(of: error))
    }

    /// Which failures count against the KV tier's health. A value too large, a refused request or a
    /// write refused by a full or read-only server says nothing about whether reads work.
    static func outcome(of error: KVError) -> CircuitBreakerStateMachine.Outcome {
        switch error.code {
        case .authentication:
            return .authenticationFailure
        case .valueTooLarge, .invalidRequest, .decode, .shutDown, .notConfigured, .circuitOpen:
            return .neutral
        case .serverError:
            let unhealthy: Set<String> = ["LOADING", "MASTERDOWN", "BUSY", "CLUSTERDOWN", "TRYAGAIN"]
            return unhealthy.contains(error.serverErrorPrefix ?? "") ? .failure : .neutral
        default:
            return .failure
        }
    }

    private func report(_ transition: CircuitBreakerStateMachine.Transition, now: ContinuousClock.Instant) {
        switch transition {
        case .opened(let reason, let probeAt):
            gauge.record(CircuitState.open.gaugeValue)
            transitions[CircuitState.open.rawValue]?.increment()
            logger.warning("cache_kv_circuit_open", metadata: [
                "reason": "\(reason)", "probe_in_ms": "\((probeAt - now) / .milliseconds(1))",
            ])
        case .probeFailed(let failedProbes, let probeAt):
            gauge.record(CircuitState.open.gaugeValue)
            transitions[CircuitState.open.rawValue]?.increment()
            logger.info("cache_kv_circuit_open", metadata: [
                "reason": "probe failed", "failed_probes": "\(failedProbes)",
                "probe_in_ms": "\((probeAt - now) / .milliseconds(1))",
            ])
        case .halfOpened:
            gauge.record(CircuitState.halfOpen.gaugeValue)
            transitions[CircuitState.halfOpen.rawValue]?.increment()
            logger.debug("cache_kv_circuit_half_open")
        case .closed:
            gauge.record(CircuitState.closed.gaugeValue)
            transitions[CircuitState.closed.rawValue]?.increment()
            logger.notice("cache_kv_circuit_closed")
            onClose()
        }
    }
}
