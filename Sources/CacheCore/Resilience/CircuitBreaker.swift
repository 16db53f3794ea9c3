import Logging
import Metrics
import Synchronization

/// Fails KV calls fast while the KV tier is down, so an outage costs a request nothing instead of the
/// whole KV deadline; the breaker's own probe, once per cool-down, finds out when the tier is back.
///
/// The decisions are ``CircuitBreakerStateMachine``'s; this class holds it under a lock, logs transitions
/// only (`cache_kv_circuit_open`, `cache_kv_circuit_half_open`, `cache_kv_circuit_closed`) and keeps the
/// gauge `cache_kv_circuit_state{namespace}` (0 closed, 1 half-open, 2 open) and the counter
/// `cache_kv_circuit_transitions_total{namespace, to}`.
///
/// Why the breaker probes by itself (a `PING` in the background) rather than letting a request through:
/// a request used as the probe waited the whole deadline whenever the tier was still down, and after a
/// blackhole it often met its own store still reconnecting, failed at once, and reopened the breaker with
/// a doubled cool-down, so recovery lagged the fault's end by seconds. A background probe costs no request
/// anything, sees the tier come back even when no traffic arrives, and waits out a reconnect within its
/// deadline (``probe``).
///
/// Calls admitted while the tier is suspect (it failed since it last answered) are released with
/// `circuit_open` the moment the breaker opens: requests already waiting on a dead tier do not wait for
/// their own deadline once the breaker has decided.
final class CircuitBreaker: Sendable {
    /// A call admitted by ``admit()``: hand it back to ``finish(_:outcome:)``.
    struct Ticket: Sendable {
        /// Whether the call must be releasable (``register(release:)``) because the tier is suspect.
        let isSuspect: Bool
    }

    /// Probes the tier once, within the deadline given, and says how it went.
    typealias Probe = @Sendable (_ deadline: ContinuousClock.Instant) async -> CircuitBreakerStateMachine.Outcome

    private struct Waiters {
        var next: UInt64 = 0
        var releases: [UInt64: @Sendable () -> Void] = [:]
    }

    private let machine: Mutex<CircuitBreakerStateMachine>
    private let logger: Logger
    private let gauge: Gauge
    private let transitions: [String: Counter]
    private let onClose: @Sendable () -> Void
    private let probe: Probe
    private let probeTimeout: Duration
    private let probeTask = Mutex<Task<Void, Never>?>(nil)
    private let stopped = Atomic<Bool>(false)
    private let waiters = Mutex(Waiters())
    /// Whether the machine admits calls without suspicion now (closed, no failure since the last answer, or
    /// disabled), mirrored under its lock after every change: a healthy tier's calls are admitted without
    /// taking the lock or reading the clock, and every KV call of every caller asks.
    private let admitsFreely = Atomic<Bool>(true)

    /// Creates a closed breaker. `probe` is run in the background once per cool-down while it is open, each
    /// time within `probeTimeout`; `onClose` runs (outside the lock) each time a probe closes it.
    init(
        policy: CircuitBreakerPolicy, namespace: String, backend: String, logger: Logger,
        metricsFactory: any MetricsFactory = MetricsSystem.factory, probeTimeout: Duration = .seconds(2),
        probe: @escaping Probe = { _ in .success }, onClose: @escaping @Sendable () -> Void = {}
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
        self.probe = probe
        self.probeTimeout = probeTimeout
        gauge.record(CircuitState.closed.gaugeValue)
    }

    deinit {
        probeTask.withLock { $0?.cancel() }
    }

    /// The breaker's state now.
    var state: CircuitState { machine.withLock { $0.state } }

    /// The error every call refused by the open breaker fails with: one constant value, so a refusal costs no
    /// formatting and no allocation (the open path is what every request pays during an outage).
    static let refusal = KVError(.circuitOpen, "the KV tier is failing: the circuit breaker is open until its probe succeeds")

    /// A ticket for a call that may start, or the error to fail it with at once.
    func admit() -> Result<Ticket, KVError> {
        if admitsFreely.load(ordering: .acquiring) { return .success(Ticket(isSuspect: false)) }
        let now = ContinuousClock.now
        let (admission, suspect) = machine.withLock { ($0.admit(now: now), $0.isSuspect) }
        switch admission {
        case .call: return .success(Ticket(isSuspect: suspect))
        case .reject: return .failure(Self.refusal)
        }
    }

    /// Records how an admitted call ended.
    func finish(_ ticket: Ticket, outcome: CircuitBreakerStateMachine.Outcome) {
        let now = ContinuousClock.now
        let transition = machine.withLock { machine in
            defer { publish(suspect: machine.isSuspect) }
            return machine.record(outcome, wasProbe: false, now: now)
        }
        if let transition { report(transition, now: now) }
    }

    /// Mirrors what ``admit()`` needs from the machine (call under its lock, after any change).
    private func publish(suspect: Bool) {
        admitsFreely.store(!suspect, ordering: .releasing)
    }

    /// Registers how to release a suspect call waiting on the tier; `nil` when the breaker is no longer
    /// closed (the caller fails at once instead). Unregister with ``unregister(_:)`` when the call ends.
    func register(release: @escaping @Sendable () -> Void) -> UInt64? {
        guard state == .closed else { return nil }
        return waiters.withLock { waiters in
            waiters.next += 1
            waiters.releases[waiters.next] = release
            return waiters.next
        }
    }

    /// The call registered as `id` ended by itself.
    func unregister(_ id: UInt64) {
        _ = waiters.withLock { $0.releases.removeValue(forKey: id) }
    }

    /// Stops probing for good (the store is being shut down or replaced).
    func stop() {
        stopped.store(true, ordering: .relaxed)
        probeTask.withLock { $0?.cancel() }
        releaseWaiters()
    }

    private func releaseWaiters() {
        let releases = waiters.withLock { waiters in
            defer { waiters.releases = [:] }
            return Array(waiters.releases.values)
        }
        for release in releases { release() }
    }

    /// Sleeps until `instant`, then probes; a failed probe schedules the next one (through ``report``).
    private func scheduleProbe(at instant: ContinuousClock.Instant) {
        guard !stopped.load(ordering: .relaxed) else { return }
        let task = Task { [weak self] in
            guard (try? await Task.sleep(until: instant, clock: .continuous)) != nil else { return }
            await self?.runProbe()
        }
        probeTask.withLock { previous in
            previous?.cancel()
            previous = task
        }
    }

    private func runProbe() async {
        guard !stopped.load(ordering: .relaxed) else { return }
        let started = ContinuousClock.now
        let begun = machine.withLock { machine in
            defer { publish(suspect: machine.isSuspect) }
            return machine.beginProbe(now: started)
        }
        guard let transition = begun else { return }
        report(transition, now: started)
        let outcome = await probe(started + probeTimeout)
        let now = ContinuousClock.now
        let result = machine.withLock { machine in
            defer { publish(suspect: machine.isSuspect) }
            return machine.record(outcome, wasProbe: true, now: now)
        }
        if let result { report(result, now: now) }
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
            releaseWaiters()
            scheduleProbe(at: probeAt)
            gauge.record(CircuitState.open.gaugeValue)
            transitions[CircuitState.open.rawValue]?.increment()
            logger.warning("cache_kv_circuit_open", metadata: [
                "reason": "\(reason)", "probe_in_ms": "\((probeAt - now) / .milliseconds(1))",
            ])
        case .probeFailed(let failedProbes, let probeAt):
            scheduleProbe(at: probeAt)
            gauge.record(CircuitState.open.gaugeValue)
            transitions[CircuitState.open.rawValue]?.increment()
            // Probes come every second at most during a long outage: the first failure is news, the
            // others are not.
            logger.log(level: failedProbes == 1 ? .info : .debug, "cache_kv_circuit_open", metadata: [
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
