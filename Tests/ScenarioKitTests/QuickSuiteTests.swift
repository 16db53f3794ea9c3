import Foundation
import Testing

@testable import ScenarioKit

/// Runs every scenario of `Scenarios/` in quick mode against a real redis-server and fault proxy (each
/// scenario starts its own): every expectation must hold, with no wrong answer and no failed request.
@Suite("Quick scenario suite", .serialized)
struct QuickSuiteTests {
    @Test(.timeLimit(.minutes(5)))
    func everyScenarioPassesInQuickMode() async throws {
        let files = try ScenarioParser.scenarioFiles(in: [ScenarioSuiteLocation.scenariosDirectory])
        try #require(!files.isEmpty)
        let cleanup = ProcessCleanup()
        defer { cleanup.cleanUpAll() }
        let runner = ScenarioRunner(options: ScenarioRunner.Options(quick: true, cleanup: cleanup))
        for file in files {
            let scenario = try ScenarioParser.load(file: file)
            let result = await runner.run(scenario)
            let failed = result.expectations.filter { !$0.passed }
                .map { "\($0.expectation): measured \($0.measured), threshold \($0.threshold)" }
            #expect(result.passed, "\(scenario.name) failed: \(result.error ?? "") \(failed.joined(separator: "; "))")
            #expect(result.error == nil, "\(scenario.name): \(result.error ?? "")")
            let primary = try #require(result.primary, "\(scenario.name) did not run")
            #expect(primary.metrics.requests == scenario.prepared(quick: true, seed: nil).workload.requests)
            #expect(primary.metrics.wrongAnswers == 0, "\(scenario.name): \(primary.problemSamples)")
            #expect(primary.metrics.failedRequests == 0, "\(scenario.name): \(primary.problemSamples)")
            if let baseline = result.baseline {
                #expect(baseline.metrics.wrongAnswers == 0)
                #expect(baseline.metrics.failedRequests == 0)
            }
        }
        #expect(cleanup.count == 0, "every redis-server was released by its scenario")
    }
}
