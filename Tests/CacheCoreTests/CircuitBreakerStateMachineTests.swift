@testable import CacheCore
import Testing

/// Every transition of the breaker, driven by explicit instants: no clock, no sleep, no socket.
@Suite("Circuit breaker state machine")
struct CircuitBreakerStateMachineTests {
    typealias Machine = CircuitBreakerStateMachine
    let start = ContinuousClock.now

    func machine(_ policy: CircuitBreakerPolicy = CircuitBreakerPolicy(jitter: 0)) -> Machine {
        Machine(policy: policy, now: start)
    }

    func at(_ milliseconds: Int) -> ContinuousClock.Instant { start + .milliseconds(milliseconds) }

    @Test("opens after the configured failures in a row; a success in between resets the count")
    func consecutiveFailures() {
        var breaker = machine(CircuitBreakerPolicy(consecutiveFailures: 3, coolDown: .seconds(1), jitter: 0))
        #expect(breaker.record(.failure, wasProbe: false, now: at(1)) == nil)
        #expect(breaker.record(.failure, wasProbe: false, now: at(2)) == nil)
        #expect(breaker.record(.success, wasProbe: false, now: at(3)) == nil)
        #expect(breaker.record(.failure, wasProbe: false, now: at(4)) == nil)
        #expect(breaker.record(.failure, wasProbe: false, now: at(5)) == nil)
        #expect(breaker.state == .closed)
        let transition = breaker.record(.failure, wasProbe: false, now: at(6))
        #expect(transition == .opened(reason: "3 failures in a row", probeAt: at(1006)))
        #expect(breaker.state == .open)
    }

    @Test("opens on the failure ratio over the window once enough calls were made, and forgets old calls")
    func failureRatio() {
        var breaker = machine(CircuitBreakerPolicy(
            consecutiveFailures: 100, failureRatio: 0.5, window: .seconds(10), minimumCalls: 10, coolDown: .seconds(1), jitter: 0))
        // 4 failures, 5 successes alternating: never 100 in a row, ratio below 0.5 with 9 calls.
        for index in 0..<9 {
            _ = breaker.record(index % 2 == 0 ? .success : .failure, wasProbe: false, now: at(index))
        }
        #expect(breaker.state == .closed)
        // A tenth call that fails: 5 of 10.
        #expect(breaker.record(.failure, wasProbe: false, now: at(10)) == .opened(reason: "5 of 10 calls failed in 10.0 seconds", probeAt: at(1010)))

        var forgetting = machine(CircuitBreakerPolicy(
            consecutiveFailures: 100, failureRatio: 0.5, window: .seconds(10), minimumCalls: 10, jitter: 0))
        for index in 0..<9 { _ = forgetting.record(.failure, wasProbe: false, now: at(index)) }
        // 30 s later those nine failures are out of the window: one more failure is 1 of 1 call.
        for index in 0..<8 { _ = forgetting.record(.success, wasProbe: false, now: at(30_000 + index)) }
        #expect(forgetting.record(.failure, wasProbe: false, now: at(30_010)) == nil)
        #expect(forgetting.state == .closed)
    }

    @Test("while open every call is rejected; once the cool-down ends the breaker's own probe half-opens it")
    func openThenOneProbe() {
        var breaker = machine(CircuitBreakerPolicy(consecutiveFailures: 1, coolDown: .seconds(1), jitter: 0))
        _ = breaker.record(.failure, wasProbe: false, now: at(0))
        #expect(breaker.admit(now: at(500)) == .reject(probeAt: at(1000)))
        #expect(breaker.nextProbe == at(1000))
        #expect(breaker.beginProbe(now: at(999)) == nil, "no probe before the cool-down ends")
        // A request arriving after the cool-down is still refused: requests never probe, the breaker does.
        #expect(breaker.admit(now: at(1000)) == .reject(probeAt: at(1000)))
        #expect(breaker.beginProbe(now: at(1000)) == .halfOpened)
        #expect(breaker.state == .halfOpen)
        #expect(breaker.beginProbe(now: at(1001)) == nil, "one probe at a time")
        #expect(breaker.admit(now: at(1001)) == .reject(probeAt: at(1000)))
        #expect(breaker.record(.success, wasProbe: true, now: at(1002)) == .closed)
        #expect(breaker.admit(now: at(1003)) == .call)
    }

    @Test("calls are suspect (releasable) from the first failure until the tier answers again")
    func suspect() {
        var breaker = machine(CircuitBreakerPolicy(consecutiveFailures: 3, jitter: 0))
        #expect(!breaker.isSuspect)
        _ = breaker.record(.failure, wasProbe: false, now: at(1))
        #expect(breaker.isSuspect)
        _ = breaker.record(.success, wasProbe: false, now: at(2))
        #expect(!breaker.isSuspect)
        for index in 3..<6 { _ = breaker.record(.failure, wasProbe: false, now: at(index)) }
        #expect(breaker.state == .open && breaker.isSuspect)
        #expect(breaker.beginProbe(now: at(2000)) == .halfOpened)
        #expect(breaker.record(.success, wasProbe: true, now: at(2001)) == .closed)
        #expect(!breaker.isSuspect)
        #expect(!machine(.disabled).isSuspect)
    }

    @Test("failed probes back off exponentially (×1.5) up to the maximum cool-down")
    func probeBackoff() {
        var breaker = machine(CircuitBreakerPolicy(
            consecutiveFailures: 1, coolDown: .seconds(1), maximumCoolDown: .seconds(5), jitter: 0))
        _ = breaker.record(.failure, wasProbe: false, now: at(0))
        var now = 1000
        var cooldowns: [Int] = []
        for _ in 0..<5 {
            #expect(breaker.beginProbe(now: at(now)) == .halfOpened)
            guard case .probeFailed(_, let probeAt)? = breaker.record(.failure, wasProbe: true, now: at(now)) else {
                Issue.record("a failed probe must reopen the breaker")
                return
            }
            cooldowns.append(Int((probeAt - at(now)) / .milliseconds(1)))
            now = Int((probeAt - start) / .milliseconds(1))
        }
        #expect(cooldowns == [1500, 2250, 3375, 5000, 5000])
    }

    @Test("the cool-down after a failed probe counts from the probe's start, not from its deadline")
    func backoffFromProbeStart() {
        var breaker = machine(CircuitBreakerPolicy(
            consecutiveFailures: 1, coolDown: .milliseconds(250), maximumCoolDown: .seconds(1), jitter: 0))
        _ = breaker.record(.failure, wasProbe: false, now: at(0))
        #expect(breaker.beginProbe(now: at(250)) == .halfOpened)
        // The probe waited its whole 300 ms deadline: the next one is due 375 ms after it started.
        #expect(breaker.record(.failure, wasProbe: true, now: at(550)) == .probeFailed(failedProbes: 1, probeAt: at(625)))
        #expect(breaker.beginProbe(now: at(625)) == .halfOpened)
        // A probe that outlasts the cool-down is followed by the next one at once.
        #expect(breaker.record(.failure, wasProbe: true, now: at(2000)) == .probeFailed(failedProbes: 2, probeAt: at(2000)))
    }

    @Test("an authentication failure opens at once, for the authentication cool-down")
    func authentication() {
        var breaker = machine(CircuitBreakerPolicy(consecutiveFailures: 5, authenticationCoolDown: .seconds(60), jitter: 0))
        #expect(breaker.record(.authenticationFailure, wasProbe: false, now: at(0))
            == .opened(reason: "authentication refused", probeAt: at(60_000)))
        #expect(breaker.admit(now: at(59_999)) == .reject(probeAt: at(60_000)))
        #expect(breaker.beginProbe(now: at(60_000)) == .halfOpened)
        guard case .probeFailed(_, let probeAt)? = breaker.record(.authenticationFailure, wasProbe: true, now: at(60_000)) else {
            Issue.record("a refused probe must reopen the breaker")
            return
        }
        #expect(probeAt == at(120_000))
    }

    @Test("neutral outcomes never open it, and a neutral probe proves the tier answers")
    func neutralOutcomes() {
        var breaker = machine(CircuitBreakerPolicy(consecutiveFailures: 2, jitter: 0))
        for index in 0..<50 { #expect(breaker.record(.neutral, wasProbe: false, now: at(index)) == nil) }
        #expect(breaker.state == .closed)
        _ = breaker.record(.failure, wasProbe: false, now: at(100))
        _ = breaker.record(.failure, wasProbe: false, now: at(101))
        #expect(breaker.beginProbe(now: at(2000)) == .halfOpened)
        #expect(breaker.record(.neutral, wasProbe: true, now: at(2001)) == .closed)
    }

    @Test("calls admitted before the breaker opened cannot close it or reopen it when they finish late")
    func lateOutcomesIgnored() {
        var breaker = machine(CircuitBreakerPolicy(consecutiveFailures: 1, jitter: 0))
        _ = breaker.record(.failure, wasProbe: false, now: at(0))
        #expect(breaker.record(.success, wasProbe: false, now: at(10)) == nil)
        #expect(breaker.state == .open)
        #expect(breaker.beginProbe(now: at(1000)) == .halfOpened)
        #expect(breaker.record(.failure, wasProbe: false, now: at(1001)) == nil)
        #expect(breaker.state == .halfOpen)
        #expect(breaker.record(.success, wasProbe: true, now: at(1002)) == .closed)
    }

    @Test("jitter stays within its share and is the same for the same seed")
    func jitterBounds() {
        let policy = CircuitBreakerPolicy(consecutiveFailures: 1, coolDown: .seconds(10), jitter: 0.2)
        var probes: [ContinuousClock.Instant] = []
        for seed in [UInt64(1), 2, 3, 1] {
            var breaker = Machine(policy: policy, now: start, seed: seed)
            guard case .opened(_, let probeAt)? = breaker.record(.failure, wasProbe: false, now: at(0)) else {
                Issue.record("must open")
                return
            }
            #expect(probeAt >= at(8000) && probeAt <= at(12_000))
            probes.append(probeAt)
        }
        #expect(probes[0] == probes[3])
        #expect(Set(probes.map { $0 - start }).count > 1)
    }

    @Test("a disabled breaker admits every call whatever happens")
    func disabled() {
        var breaker = machine(.disabled)
        for index in 0..<100 { _ = breaker.record(.failure, wasProbe: false, now: at(index)) }
        #expect(breaker.admit(now: at(200)) == .call)
        #expect(breaker.state == .closed)
    }

    @Test("which errors count against the tier")
    func classification() {
        #expect(CircuitBreaker.outcome(of: KVError(.timeout, "")) == .failure)
        #expect(CircuitBreaker.outcome(of: KVError(.connectionRefused, "")) == .failure)
        #expect(CircuitBreaker.outcome(of: KVError(.authentication, "")) == .authenticationFailure)
        #expect(CircuitBreaker.outcome(of: KVError(.valueTooLarge, "")) == .neutral)
        #expect(CircuitBreaker.outcome(of: KVError(.serverError, "", serverErrorPrefix: "OOM")) == .neutral)
        #expect(CircuitBreaker.outcome(of: KVError(.serverError, "", serverErrorPrefix: "LOADING")) == .failure)
    }
}
