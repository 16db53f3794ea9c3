/// The circuit breaker's decisions as a value type, driven by events that carry their own instant, so
/// that every transition is unit-tested without a clock, a sleep or a socket. ``CircuitBreaker`` holds one
/// under a lock and does the logging and metrics.
struct CircuitBreakerStateMachine: Sendable {
    typealias Instant = ContinuousClock.Instant

    /// What the breaker says about a call that is about to start.
    enum Admission: Equatable {
        /// Go ahead.
        case call
        /// Fail at once; the breaker probes the tier itself at the given instant.
        case reject(probeAt: Instant)
    }

    /// How a call ended, as far as the breaker cares.
    enum Outcome: Equatable {
        /// The KV tier answered (a miss is an answer).
        case success
        /// The KV tier did not answer usefully: timeout, refused, reset, protocol, TLS, DNS, …
        case failure
        /// The KV tier refused our credentials: open for the authentication cool-down.
        case authenticationFailure
        /// Neither: an outcome that says nothing about the tier's health (value too large, bad request).
        case neutral
    }

    /// A change of state, for logs and metrics.
    enum Transition: Equatable {
        /// Closed → open.
        case opened(reason: String, probeAt: Instant)
        /// Half-open → open: the probe failed.
        case probeFailed(failedProbes: Int, probeAt: Instant)
        /// Open → half-open: the probe started.
        case halfOpened
        /// Half-open → closed: the probe succeeded.
        case closed
    }

    private(set) var state: CircuitState = .closed
    let policy: CircuitBreakerPolicy
    private var probeAt: Instant
    /// When the probe under way started (half-open).
    private var probeStartedAt: Instant
    private var failedProbes = 0
    private var consecutiveFailures = 0
    private var window: FailureWindow
    private var randomState: UInt64

    init(policy: CircuitBreakerPolicy, now: Instant, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) {
        self.policy = policy
        self.probeAt = now
        self.probeStartedAt = now
        self.window = FailureWindow(width: policy.window, now: now)
        self.randomState = seed
    }

    /// Decides whether a call may start now. Callers never probe: while open or half-open every call is
    /// refused, and the breaker's own probe (``beginProbe(now:)``) decides, so no request waits for a probe
    /// into a tier that is still down.
    func admit(now: Instant) -> Admission {
        guard policy.isEnabled, state != .closed else { return .call }
        return .reject(probeAt: probeAt)
    }

    /// Whether a call starting now may have to be released when the breaker opens: the tier failed at least
    /// once since it last answered. Healthy calls skip that bookkeeping.
    var isSuspect: Bool { policy.isEnabled && (state != .closed || consecutiveFailures > 0) }

    /// When the next probe is due, while open.
    var nextProbe: Instant? { state == .open ? probeAt : nil }

    /// Open → half-open once the probe is due; the caller then probes and reports with `wasProbe: true`.
    mutating func beginProbe(now: Instant) -> Transition? {
        guard policy.isEnabled, state == .open, now >= probeAt else { return nil }
        state = .halfOpen
        probeStartedAt = now
        return .halfOpened
    }

    /// Records how a call ended; `wasProbe` for the breaker's own probe (see ``beginProbe(now:)``).
    mutating func record(_ outcome: Outcome, wasProbe: Bool, now: Instant) -> Transition? {
        guard policy.isEnabled, outcome != .neutral else {
            if wasProbe && state == .halfOpen {
                // A neutral probe proves the tier answers.
                return close()
            }
            return nil
        }
        if wasProbe {
            guard state == .halfOpen else { return nil }
            if outcome == .success { return close() }
            failedProbes += 1
            let coolDown = outcome == .authenticationFailure ? policy.authenticationCoolDown : backoff(after: failedProbes)
            // Counted from the probe's start, not its end: a probe that waited its whole deadline must not
            // add that deadline to the cool-down (it made recovery lag the fault's end by both).
            probeAt = max(now, probeStartedAt + jittered(coolDown))
            state = .open
            return .probeFailed(failedProbes: failedProbes, probeAt: probeAt)
        }
        // Calls admitted before the breaker opened may finish while it is open or half-open: their outcome
        // is old news, and only the probe decides.
        guard state == .closed else { return nil }
        window.record(failed: outcome != .success, now: now)
        if outcome == .success {
            consecutiveFailures = 0
            return nil
        }
        consecutiveFailures += 1
        let reason: String
        if outcome == .authenticationFailure {
            reason = "authentication refused"
        } else if consecutiveFailures >= policy.consecutiveFailures {
            reason = "\(consecutiveFailures) failures in a row"
        } else if window.calls >= policy.minimumCalls, window.failureRatio >= policy.failureRatio {
            reason = "\(window.failures) of \(window.calls) calls failed in \(policy.window)"
        } else {
            return nil
        }
        state = .open
        failedProbes = 0
        probeAt = now + jittered(outcome == .authenticationFailure ? policy.authenticationCoolDown : policy.coolDown)
        return .opened(reason: reason, probeAt: probeAt)
    }

    private mutating func close() -> Transition {
        state = .closed
        failedProbes = 0
        consecutiveFailures = 0
        window.reset()
        return .closed
    }

    /// The cool-down after `failures` failed probes: growing by half from the first cool-down, capped. Half,
    /// not double: faults that last about a second (a blackhole, a server loading) must not leave the next
    /// probe a whole second past their end.
    private func backoff(after failures: Int) -> Duration {
        var coolDown = policy.coolDown
        for _ in 0..<min(failures, 60) {
            coolDown = coolDown * 1.5
            if coolDown >= policy.maximumCoolDown { return policy.maximumCoolDown }
        }
        return coolDown
    }

    private mutating func jittered(_ duration: Duration) -> Duration {
        guard policy.jitter > 0 else { return duration }
        // SplitMix64: a seeded, replayable source, so a test or a scenario run can be repeated exactly.
        randomState &+= 0x9E37_79B9_7F4A_7C15
        var z = randomState
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        let unit = Double(z >> 11) / Double(1 << 53)
        return duration * (1 + policy.jitter * (2 * unit - 1))
    }
}
