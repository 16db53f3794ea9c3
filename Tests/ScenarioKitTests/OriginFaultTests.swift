import CacheCore
import Testing

@testable import ScenarioKit

/// Issue 11, item 5: origin faults on the timeline, knowledge-base updates, and the oracle's rule for
/// stale answers.
@Suite("Origin faults and the stale-answer oracle")
struct OriginFaultTests {
    @Test func originFailsTheConfiguredShareOfCallsUntilRestored() async throws {
        let origin = OriginSimulator(specification: OriginSpecification(latencyScale: 0), seed: 3)
        let question = RequestTrace.question(rank: 1)
        origin.fail(share: 1)
        await #expect(throws: OriginSimulator.OriginFailure.self) { _ = try await origin.answer(question) }
        origin.fail(share: 0.5)
        var failures = 0
        for _ in 0..<200 {
            do { _ = try await origin.answer(question) } catch { failures += 1 }
        }
        #expect((40...160).contains(failures), "about half of the calls fail")
        origin.restore()
        #expect(try await origin.answer(question).entry.value == origin.truth(for: question).value)
    }

    @Test func kbUpdateChangesTheTruthOfTheChosenShare() {
        let origin = OriginSimulator(specification: OriginSpecification(), seed: 5)
        let questions = (1...200).map { RequestTrace.question(rank: $0) }
        let before = questions.map { origin.truth(for: $0).value }
        origin.updateKnowledgeBase(share: 0.25)
        let changed = zip(questions, before).filter { origin.truth(for: $0.0).value != $0.1 }.count
        #expect((20...80).contains(changed))
        origin.updateKnowledgeBase(share: 1)
        #expect(zip(questions, before).allSatisfy { origin.truth(for: $0.0).value != $0.1 })
        #expect(questions.allSatisfy { origin.truth(for: $0, version: 0).value == before[questions.firstIndex(of: $0)!] })
    }

    @Test func oracleAcceptsAnOldAnswerOnlyWhenMarkedStale() {
        let origin = OriginSimulator(specification: OriginSpecification(), seed: 6)
        let oracle = AnswerOracle(origin: origin)
        let question = RequestTrace.question(rank: 1)
        let old = origin.truth(for: question)
        origin.updateKnowledgeBase(share: 1)
        #expect(oracle.check(question: question, answer: origin.truth(for: question)) == .correct)
        #expect(oracle.check(question: question, answer: old, isStale: true) == .correct)
        if case .correct = oracle.check(question: question, answer: old) {
            Issue.record("an old answer not marked stale was accepted")
        }
        // An update during the request: the version at its start is still right.
        #expect(oracle.check(question: question, answer: old, versionAtStart: 0) == .correct)
        let foreign = origin.truth(for: RequestTrace.question(rank: 2), version: 0)
        if case .correct = oracle.check(question: question, answer: foreign, isStale: true) {
            Issue.record("another question's answer was accepted as stale")
        }
    }

    @Test func timelineParsesOriginActions() throws {
        let text = """
            name: origin
            topology: {instances: 1, backend: none}
            workload: {questions: 10, requests: 100, seed: 7}
            timeline:
              - {afterRequests: 10, action: origin-fail, share: 0.5, phase: failing, fault: true}
              - {afterRequests: 20, action: origin-slow, factor: 20}
              - {afterRequests: 30, action: kb-update, share: 0.1}
              - {afterRequests: 40, action: origin-restore}
            """
        let scenario = try ScenarioParser.parse(text, file: "origin.yaml")
        #expect(scenario.timeline.map(\.action) == [.originFail(share: 0.5), .originSlow(factor: 20), .kbUpdate(share: 0.1), .originRestore])
        #expect(!scenario.timeline.contains { $0.action.needsRedis })
    }
}
