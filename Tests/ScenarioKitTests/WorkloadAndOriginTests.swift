import CacheCore
import Testing

@testable import ScenarioKit

/// The trace, the origin and the oracle are deterministic for a seed, so a report can be reproduced exactly.
@Suite("Workload, origin and oracle")
struct WorkloadAndOriginTests {
    let workload = WorkloadSpecification(questions: 100, zipfExponent: 1.0, requests: 5000, seed: 42)

    @Test func zipfTraceIsDeterministicForASeed() {
        let first = RequestTrace(workload: workload)
        let second = RequestTrace(workload: workload)
        #expect(first == second)
        var other = workload
        other.seed = 43
        #expect(RequestTrace(workload: other) != first)
    }

    @Test func zipfPopularityFollowsRank() {
        let trace = RequestTrace(workload: workload)
        var counts = [Int: Int]()
        for request in trace.requests { counts[request.rank, default: 0] += 1 }
        let top = counts[1, default: 0]
        let tenth = counts[10, default: 0]
        // p(1)/p(10) = 10 for s = 1; allow sampling noise.
        #expect(top > tenth * 5)
        #expect(counts.keys.allSatisfy { (1...100).contains($0) })
        let distribution = ZipfDistribution(count: 100, exponent: 1)
        #expect(abs(distribution.probability(of: 1) / distribution.probability(of: 10) - 10) < 1e-9)
    }

    @Test func uniformWhenExponentIsZero() {
        let distribution = ZipfDistribution(count: 4, exponent: 0)
        for rank in 1...4 { #expect(abs(distribution.probability(of: rank) - 0.25) < 1e-12) }
    }

    @Test func optimalHitRateIsOneMinusDistinctOverRequests() {
        let trace = RequestTrace(workload: WorkloadSpecification(questions: 3, zipfExponent: 0, requests: 300, seed: 1))
        #expect(trace.distinctQuestions == 3)
        #expect(abs(trace.optimalHitRate - 0.99) < 1e-12)
    }

    @Test func originIsDeterministicAndCountsCalls() async throws {
        let specification = OriginSpecification(kbShare: 0.4, latencyScale: 0.001)
        let origin = OriginSimulator(specification: specification, seed: 5)
        let twin = OriginSimulator(specification: specification, seed: 5)
        let question = RequestTrace.question(rank: 3)
        #expect(origin.expectedAnswer(for: question) == twin.expectedAnswer(for: question))
        #expect(origin.latencyMilliseconds(for: question) == twin.latencyMilliseconds(for: question))
        #expect(origin.responder(for: question) == twin.responder(for: question))
        #expect(OriginSimulator(specification: specification, seed: 6).expectedAnswer(for: question) != origin.expectedAnswer(for: question))

        let call = try await origin.answer(question)
        let again = try await origin.answer(question)
        #expect(call.entry.value == again.entry.value)
        #expect(call.entry.text == origin.expectedAnswer(for: question))
        let counts = origin.callCounts
        #expect(counts.kb + counts.llm == 2)
    }

    @Test func kbShareIsRespected() {
        let origin = OriginSimulator(specification: OriginSpecification(kbShare: 0.4), seed: 11)
        let kb = (1...2000).filter { origin.responder(for: RequestTrace.question(rank: $0)) == .kb }.count
        #expect(kb > 700 && kb < 900)
    }

    @Test func latenciesStayWithinTheirDistribution() {
        let origin = OriginSimulator(
            specification: OriginSpecification(kbLatency: .uniform(minimum: 50, maximum: 150), llmLatency: .uniform(minimum: 800, maximum: 2500), latencyScale: 0.5),
            seed: 3)
        for rank in 1...200 {
            let question = RequestTrace.question(rank: rank)
            let latency = origin.latencyMilliseconds(for: question)
            if origin.responder(for: question) == .kb {
                #expect((25...75).contains(latency))
            } else {
                #expect((400...1250).contains(latency))
            }
        }
    }

    @Test func oracleAcceptsTheTruthAndCatchesWrongAnswers() {
        let origin = OriginSimulator(specification: OriginSpecification(), seed: 8)
        let oracle = AnswerOracle(origin: origin)
        let question = RequestTrace.question(rank: 1)
        let other = RequestTrace.question(rank: 2)
        let truth = origin.truth(for: question)
        #expect(oracle.check(question: question, answer: truth) == .correct)

        // Another question's answer (what a late reply read by the next command would give).
        if case .correct = oracle.check(question: question, answer: origin.truth(for: other)) {
            Issue.record("the oracle accepted another question's answer")
        }
        // A truncated answer.
        let truncated = CacheEntry(bytes: Array(truth.value.dropLast(3)), source: truth.source)
        if case .correct = oracle.check(question: question, answer: truncated) { Issue.record("the oracle accepted a truncated answer") }
        // The right text with the wrong source.
        let wrongSource = CacheEntry(bytes: truth.value, source: truth.source == .kb ? .llm : .kb)
        if case .correct = oracle.check(question: question, answer: wrongSource) { Issue.record("the oracle accepted a wrong source") }
    }

    @Test func deadlineThresholdsUseTheScenarioDeadline() {
        #expect(Expectation.Threshold.deadlinePlus(150).resolved(deadlineMilliseconds: 300) == 450)
        #expect(Expectation.Threshold.value(7).resolved(deadlineMilliseconds: 300) == 7)
    }
}

@Suite("Quick scaling")
struct QuickScalingTests {
    @Test("phases that start close together stay apart after scaling, each with at least one request")
    func phasesStayApart() {
        let scenario = Scenario(
            name: "close", title: "close", topology: Topology(),
            workload: WorkloadSpecification(questions: 10, requests: 1000), origin: OriginSpecification(),
            timeline: [
                TimelineEvent(trigger: .afterRequests(500), action: .disableProxy, phase: "down", fault: true),
                TimelineEvent(trigger: .afterRequests(502), action: .enableProxy, phase: "up"),
                TimelineEvent(trigger: .afterRequests(503), action: .disableProxy, phase: "down-again", fault: true),
            ],
            quick: QuickScaling(requestScale: 0.1))
        let prepared = scenario.prepared(quick: true, seed: nil)
        let starts = prepared.timeline.compactMap { event -> Int? in
            if case .afterRequests(let count) = event.trigger { return count }
            return nil
        }
        #expect(prepared.workload.requests == 100)
        #expect(starts == [50, 51, 52])
    }

    @Test("quick mode shortens a paced phase by timeScale: rate × requestScale / timeScale")
    func pacedPhasesShrinkInTime() {
        func paced(_ quick: QuickScaling) -> Scenario {
            Scenario(
                name: "paced", title: "paced", topology: Topology(),
                workload: WorkloadSpecification(questions: 10, requests: 1000, ratePerSecond: 100),
                origin: OriginSpecification(latencyScale: 0.5), quick: quick)
        }
        let full = paced(QuickScaling())
        let fullSeconds = Double(full.workload.requests) / full.workload.ratePerSecond!
        let quick = full.prepared(quick: true, seed: nil)
        let quickSeconds = Double(quick.workload.requests) / quick.workload.ratePerSecond!
        // The default scaling cuts requests and time to a quarter: the same rate, a quarter of the duration.
        #expect(quick.workload.ratePerSecond == 100)
        #expect(abs(quickSeconds - fullSeconds * 0.25) < 1e-9)
        // Origin latencies: the file's scale times quick.latencyScale (0.25 by default), as docs/scenarios.md says.
        #expect(quick.origin.latencyScale == 0.5 * 0.25)

        let halfTime = paced(QuickScaling(requestScale: 0.25, timeScale: 0.5)).prepared(quick: true, seed: nil)
        #expect(halfTime.workload.ratePerSecond == 50)
        #expect(paced(QuickScaling(timeScale: 0)).prepared(quick: true, seed: nil).workload.ratePerSecond == nil)
    }
}
