import Foundation
import Testing

@testable import ScenarioKit

/// Runs every scenario of `Scenarios/` in quick mode against a real redis-server and fault proxy (each
/// scenario starts its own): every expectation must hold, with no wrong answer and no failed request.
@Suite("Quick scenario suite", .serialized)
struct QuickSuiteTests {
    #if DEBUG
    /// Expectations on the cache's own CPU time below a millisecond: `swift test` runs an unoptimised build,
    /// 10–40× slower on that path (3–12 ms measured where the release build gives 0.2–0.4 ms), so the release
    /// suite (`scripts/run-scenarios.sh`, `cache-scenarios run -c release`) checks them and this test does not.
    static let releaseOnlyMetrics: Set<String> = ["openCircuitOverheadP99Ms"]
    #else
    static let releaseOnlyMetrics: Set<String> = []
    #endif

    /// Expectations that fail or flake for a known, open reason: recorded as known issues (they show in the
    /// test output, and a scenario's other expectations still must hold). Keyed by scenario name and the
    /// expectation's text; each is listed as open work in docs/scenarios.md ("Known failures").
    static let knownIssues: [String: String] = [
        "server-faults: timeToLastInstanceKVHitMs [connect-fast-again] ≤ 1500":
            "instances deployed during the slow-connect fault can miss the 1.5 s bound in a debug build under load; "
            + "held in every run since the breaker's probe waits out a reconnect (kept as a load tolerance)",
        "rest-failing: fallbacks [healthy] ≤ 0":
            "under a loaded test run one REST call in the healthy phase can outlast the 300 ms deadline",
        "rest-failing: firstKVHitAfterMs [recovered-from-trickle] ≤ 1000":
            "recovery after the trickle fault lands near the 1 s bound in a debug build under load (1004 ms seen)",
        "kv-failing: firstKVHitAfterMs [recovered-from-loading] ≤ 1000":
            "recovery near the 1 s bound in a debug build under load (1106 ms seen)",
    ]

    @Test(.timeLimit(.minutes(5)))
    func everyScenarioPassesInQuickMode() async throws {
        let files = try ScenarioParser.scenarioFiles(in: [ScenarioSuiteLocation.scenariosDirectory])
        try #require(!files.isEmpty)
        let cleanup = ProcessCleanup()
        defer { cleanup.cleanUpAll() }
        let runner = ScenarioRunner(options: ScenarioRunner.Options(quick: true, cleanup: cleanup))
        let scenarios = try files.map { try ScenarioParser.load(file: $0) }
        var warmedUp: ClusterWarmUp?
        for (index, scenario) in scenarios.enumerated() {
            // As the CLI does: the next scenario's cluster nodes start while this one runs.
            let next = index + 1 < scenarios.count ? runner.warmUp(scenarios[index + 1]) : nil
            let result = await runner.run(scenario, warmedUp: warmedUp)
            warmedUp = next
            var failed: [String] = []
            for outcome in result.expectations where !outcome.passed && !Self.releaseOnlyMetrics.contains(outcome.metric) {
                let text = "\(outcome.expectation): measured \(outcome.measured), threshold \(outcome.threshold)"
                if let reason = Self.knownIssues["\(scenario.name): \(outcome.expectation)"] {
                    withKnownIssue(Comment(rawValue: reason)) { Issue.record(Comment(rawValue: "\(scenario.name): \(text)")) }
                } else {
                    failed.append(text)
                }
            }
            #expect(failed.isEmpty, "\(scenario.name) failed: \(failed.joined(separator: "; "))")
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
