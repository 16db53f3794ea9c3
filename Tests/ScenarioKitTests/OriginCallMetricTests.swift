import Testing

@testable import ScenarioKit

/// Issue 12's measures: origin calls against distinct questions and against the computations needed.
@Suite("Origin calls per question")
struct OriginCallMetricTests {
    private func record(_ index: Int, _ question: String, start: Double, outcome: RequestRecord.Outcome, computedBy: Bool = true) -> RequestRecord {
        var copy = RequestRecord(
            index: index, question: question, instance: index % 2, phase: 0, startMilliseconds: start,
            latencyMilliseconds: 10, originMilliseconds: outcome == .computed ? 9 : 0, unscaledOriginMilliseconds: 0,
            outcome: outcome, responder: outcome == .computed && computedBy ? .kb : nil, kvError: nil, wrongAnswer: nil,
            failure: outcome == .failed ? "boom" : nil, mode: "redis", isColdStart: false)
        copy.calledOrigin = outcome == .computed && computedBy
        return copy
    }

    @Test("a herd computed once per question scores 1; a duplicate computation shows")
    func perQuestion() {
        let once = [
            record(0, "a", start: 0, outcome: .computed),
            record(1, "a", start: 0, outcome: .computed, computedBy: false),  // shared the computation
            record(2, "a", start: 1, outcome: .kv),                          // waited for another instance
            record(3, "b", start: 1, outcome: .computed),
        ]
        let metrics = MetricAnalyzer(records: once).metrics()
        #expect(metrics.originCalls == 2 && metrics.distinctQuestions == 2)
        #expect(metrics.value(of: .originCallsPerQuestion) == 1)
        // A follower that shared a computation names the call it waited for (its responder) but made none.
        var follower = record(5, "a", start: 0, outcome: .computed)
        follower.calledOrigin = false
        #expect(MetricAnalyzer(records: once + [follower]).metrics().originCalls == 2)
        let twice = once + [record(4, "b", start: 2, outcome: .computed)]
        #expect(MetricAnalyzer(records: twice).metrics().value(of: .originCallsPerQuestion) == 1.5)
    }

    @Test("an ask after the answer expired had to be computed; one while it was live did not")
    func neededComputations() {
        let records = [
            record(0, "a", start: 0, outcome: .computed),      // first ask, ends at 10: live until 110
            record(1, "a", start: 50, outcome: .computed),     // live: a needless computation
            record(2, "a", start: 200, outcome: .computed),    // expired: needed
            record(3, "b", start: 200, outcome: .failed),      // first ask, failed: stored nothing
            record(4, "b", start: 220, outcome: .computed),    // still needed
        ]
        let metrics = MetricAnalyzer(records: records, ttlMilliseconds: 100).metrics()
        #expect(metrics.neededComputations == 4)
        #expect(metrics.originCalls == 4)
        #expect(metrics.value(of: .originCallsPerNeededComputation) == 1)
        #expect(MetricAnalyzer(records: records).metrics().neededComputations == 3, "without a TTL nothing expires")
    }
}
