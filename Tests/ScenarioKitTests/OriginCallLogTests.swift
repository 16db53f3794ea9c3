@testable import ScenarioKit
import Testing

/// A single-flight follower is charged the part of the leader's origin call it waited through as origin
/// time, so `maxCacheOverheadMs` measures the cache, not someone else's LLM call.
@Suite("Origin call log for shared computations")
struct OriginCallLogTests {
    let start = ContinuousClock.now

    func at(_ milliseconds: Int) -> ContinuousClock.Instant { start + .milliseconds(milliseconds) }

    @Test("a follower that joined mid-call is charged the rest of the call")
    func followerJoinedMidCall() throws {
        let log = OriginCallLog()
        log.record("q", .init(start: at(100), end: at(350), unscaledMilliseconds: 2500, responder: .llm))
        // Sent at 0, its own KV read timed out at 300, joined the flight, answered at 351.
        let shared = try #require(log.sharedWait(for: "q", sentAt: at(0), answeredAt: at(351)))
        #expect(abs(shared.milliseconds - 250) < 0.001, "the whole call lay inside its wait")
        #expect(abs(shared.unscaled - 2500) < 0.001)
        #expect(shared.responder == .llm)
        let late = try #require(log.sharedWait(for: "q", sentAt: at(200), answeredAt: at(351)))
        #expect(abs(late.milliseconds - 150) < 0.001, "only the part after it was sent")
        #expect(abs(late.unscaled - 1500) < 0.001, "the unscaled latency in the same proportion")
    }

    @Test("no call, another question, or a call outside the wait charges nothing")
    func nothingToCharge() {
        let log = OriginCallLog()
        #expect(log.sharedWait(for: "q", sentAt: at(0), answeredAt: at(10)) == nil)
        log.record("other", .init(start: at(0), end: at(5), unscaledMilliseconds: 50, responder: .kb))
        #expect(log.sharedWait(for: "q", sentAt: at(0), answeredAt: at(10)) == nil)
        #expect(log.sharedWait(for: "other", sentAt: at(6), answeredAt: at(10)) == nil)
    }
}
