import Synchronization

/// The origin calls one instance made, by question, so that a request which waited for another request's
/// computation (a single-flight follower, ``CacheResult/sharedComputation``) is charged that wait as origin
/// time, as the request that ran the computation is. Without it the follower's whole wait counted as time
/// in the cache: a follower whose own KV read timed out at the deadline and which then waited up to an LLM
/// call for the leader's answer showed as "deadline + 166 ms in the cache" (`server-faults`, phase
/// `slow-connect`, 466 ms against a 300 ms deadline), although the cache itself had kept its deadline.
final class OriginCallLog: Sendable {
    /// One origin call: when it ran, and its simulated latency at scale 1.
    struct Call: Sendable, Equatable {
        var start: ContinuousClock.Instant
        var end: ContinuousClock.Instant
        var unscaledMilliseconds: Double
        var responder: OriginSimulator.Responder
    }

    private let latest = Mutex<[String: Call]>([:])

    /// Records the call the computation for `question` made (the latest one per question is kept: a
    /// follower only ever waits for the computation under way when it joined).
    func record(_ question: String, _ call: Call) {
        latest.withLock { $0[question] = call }
    }

    /// The part of the latest origin call for `question` that lay inside a follower's wait from `sentAt` to
    /// `answeredAt`: milliseconds, the matching share of the unscaled latency, and who answered; `nil`
    /// when no call overlapped the wait.
    func sharedWait(
        for question: String, sentAt: ContinuousClock.Instant, answeredAt: ContinuousClock.Instant
    ) -> (milliseconds: Double, unscaled: Double, responder: OriginSimulator.Responder)? {
        guard let call = latest.withLock({ $0[question] }) else { return nil }
        let overlap = min(call.end, answeredAt) - max(call.start, sentAt)
        guard overlap > .zero else { return nil }
        let length = call.end - call.start
        let share = length > .zero ? overlap / length : 1
        return (Self.milliseconds(overlap), call.unscaledMilliseconds * share, call.responder)
    }

    private static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }
}
