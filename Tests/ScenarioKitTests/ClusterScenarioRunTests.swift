import Logging
import Testing

@testable import ScenarioKit

/// Runs the cluster scenario 23 in quick mode against a real 3-primary Redis Cluster behind fault proxies, and
/// checks what the harness itself must deliver whatever the store does: the cluster started and cleaned up, every
/// request answered right, and per-node traffic read from every node.
@Suite("Cluster scenario run (quick)", .serialized)
struct ClusterScenarioRunTests {
    @Test(.timeLimit(.minutes(2)))
    func clusterConfiguredRunsWithPerNodeTraffic() async throws {
        let file = ScenarioSuiteLocation.scenariosDirectory + "/23-cluster-configured.yaml"
        let scenario = try ScenarioParser.load(file: file)
        let cleanup = ProcessCleanup()
        defer { cleanup.cleanUpAll() }
        let result = await ScenarioRunner(options: ScenarioRunner.Options(quick: true, cleanup: cleanup)).run(scenario)
        #expect(result.error == nil, "\(result.error ?? "")")
        let primary = try #require(result.primary)
        #expect(primary.label == "kv-cluster")
        #expect(primary.metrics.requests == scenario.prepared(quick: true, seed: nil).workload.requests)
        #expect(primary.metrics.failedRequests == 0)
        #expect(primary.metrics.wrongAnswers == 0)
        #expect(primary.clusterNodes.map(\.node) == [0, 1, 2])
        #expect(primary.clusterNodes.allSatisfy { $0.role == "primary" })
        #expect(primary.clusterNodes.map(\.slots).reduce(0, +) == 16384)
        // Each instance slot is seeded with its own primary: both seeds were connected to and served commands.
        for seed in primary.clusterNodes.prefix(2) {
            #expect(seed.proxyConnections > 0, "node \(seed.node)")
            #expect(seed.reads + seed.writes > 0, "node \(seed.node)")
        }
        #expect(primary.metrics.minPrimaryKeyShare.isFinite)
        #expect(result.configuration["cluster"] == "3 primaries × 0 replicas, cluster-node-timeout 1000 ms")
        #expect(cleanup.count == 0, "every node was released by the scenario")
    }

    @Test("a run given nodes started ahead (the suite's warm-up) forms its cluster from them", .timeLimit(.minutes(2)))
    func runsOnNodesStartedAhead() async throws {
        let scenario = try ScenarioParser.load(file: ScenarioSuiteLocation.scenariosDirectory + "/23-cluster-configured.yaml")
        let cleanup = ProcessCleanup()
        defer { cleanup.cleanUpAll() }
        let runner = ScenarioRunner(options: ScenarioRunner.Options(quick: true, cleanup: cleanup))
        let warmUp = try #require(runner.warmUp(scenario))
        let result = await runner.run(scenario, warmedUp: warmUp)
        #expect(warmUp.wasHandedOver, "the run used the nodes started ahead")
        #expect(result.error == nil, "\(result.error ?? "")")
        let primary = try #require(result.primary)
        #expect(primary.metrics.failedRequests == 0)
        #expect(primary.metrics.wrongAnswers == 0)
        #expect(primary.clusterNodes.map(\.slots).reduce(0, +) == 16384)
        #expect(primary.metrics.kvHitShare >= 0.95)
        #expect(cleanup.count == 0, "every node was released by the scenario")
    }

    @Test("nodes started ahead for another cluster, or for a scenario without one, are stopped, not used")
    func mismatchedWarmUpIsStopped() async throws {
        let cleanup = ProcessCleanup()
        defer { cleanup.cleanUpAll() }
        let warmUp = ClusterWarmUp(
            specification: ClusterSpecification(primaries: 3), logger: Logger(label: "test"), cleanup: cleanup)
        #expect(await warmUp.take(for: ClusterSpecification(primaries: 3, replicasPerPrimary: 1)) == nil)
        #expect(!warmUp.wasHandedOver)
        #expect(cleanup.count == 0, "the unused nodes were stopped and released")
        // Taken once only: a second taker starts its own.
        #expect(await warmUp.take(for: ClusterSpecification(primaries: 3)) == nil)

        let unused = ClusterWarmUp(specification: ClusterSpecification(primaries: 3), logger: Logger(label: "test"), cleanup: cleanup)
        #expect(await unused.take(for: nil) == nil)
        #expect(cleanup.count == 0)
        let discarded = ClusterWarmUp(specification: ClusterSpecification(primaries: 3), logger: Logger(label: "test"), cleanup: cleanup)
        await discarded.discard()
        #expect(cleanup.count == 0)

        let plain = try ScenarioParser.load(file: ScenarioSuiteLocation.scenariosDirectory + "/01-kv-configured.yaml")
        #expect(ScenarioRunner(options: ScenarioRunner.Options(cleanup: cleanup)).warmUp(plain) == nil)
    }
}
