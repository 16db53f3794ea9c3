import Testing

@testable import ScenarioKit

/// `topology.backend: redis-cluster`, the cluster actions and the `node` selector in scenario files: what parses,
/// and what is refused with the field and what was expected.
@Suite("Scenario file parsing: Redis Cluster backend and actions")
struct ClusterScenarioParsingTests {
    static let cluster = """
        name: sample
        topology: {instances: 2, backend: redis-cluster, primaries: 3, replicasPerPrimary: 1, nodeTimeoutMs: 500}
        workload: {questions: 10, requests: 100, seed: 7}
        """

    func refusal(_ text: String) throws -> ScenarioFileError {
        try ScenarioParserTests().refusal(text)
    }

    func timeline(_ events: String...) -> String {
        Self.cluster + "\ntimeline:\n" + events.map { "  - \($0)\n" }.joined()
    }

    @Test func clusterTopologyAndActionsParse() throws {
        let scenario = try ScenarioParser.parse(timeline(
            "{afterRequests: 1, action: cluster-failover, node: 1}",
            "{afterRequests: 2, action: cluster-reshard, slots: 500, from: 2, to: 0, slotsPerStep: 32, holdMs: 5}",
            "{afterRequests: 3, action: cluster-node-restart, node: 4}",
            "{afterRequests: 4, action: add-toxic, node: 2, toxic: {name: slow, type: latency, attributes: {latency: 10}}}",
            "{afterRequests: 5, action: remove-toxic, node: 2, name: slow}",
            "{afterRequests: 6, action: disable-proxy}",
            "{afterRequests: 7, action: cluster-failover}",
            "{afterRequests: 8, action: cluster-reshard}"
        ), file: "c.yaml")
        #expect(scenario.topology.backend == .redisCluster)
        #expect(scenario.topology.cluster == ClusterSpecification(primaries: 3, replicasPerPrimary: 1, nodeTimeoutMilliseconds: 500))
        #expect(scenario.topology.cluster?.nodeCount == 6)
        #expect(scenario.needsRedis)
        #expect(scenario.timeline.map(\.action) == [
            .cluster(.failover(node: 1)),
            .cluster(.reshard(slots: 500, from: 2, to: 0, holdMilliseconds: 5, slotsPerStep: 32)),
            .cluster(.nodeRestart(node: 4)),
            scenario.timeline[3].action, .removeToxic(name: "slow"), .disableProxy,
            .cluster(.failover(node: 0)),
            .cluster(.reshard(slots: 100, from: 0, to: 1, holdMilliseconds: 20, slotsPerStep: 16)),
        ])
        #expect(scenario.timeline.map(\.node) == [nil, nil, nil, 2, 2, nil, nil, nil])
        #expect(scenario.timeline.map(\.action.name).prefix(3) == ["cluster-failover", "cluster-reshard", "cluster-node-restart"])
        #expect(TimelineAction.allNames.contains("cluster-reshard"))
    }

    @Test func clusterDefaults() throws {
        let scenario = try ScenarioParser.parse("""
            topology: {backend: redis-cluster}
            workload: {questions: 10, requests: 100}
            """, file: "d.yaml")
        #expect(scenario.topology.cluster == ClusterSpecification(primaries: 3, replicasPerPrimary: 0, nodeTimeoutMilliseconds: 1000))
    }

    @Test func clusterFieldsNeedTheClusterBackend() throws {
        let misplaced = try refusal("""
            topology: {backend: redis, primaries: 3}
            workload: {questions: 10, requests: 100}
            """)
        #expect(misplaced.field == "topology.primaries")
        #expect(misplaced.expected.contains("redis-cluster"))
        let action = try refusal("""
            topology: {backend: redis}
            workload: {questions: 10, requests: 100}
            timeline:
              - {afterRequests: 1, action: cluster-failover}
            """)
        #expect(action.field == "timeline[0].action")
        #expect(action.expected.contains("redis-cluster"))
        let node = try refusal("""
            topology: {backend: redis}
            workload: {questions: 10, requests: 100}
            timeline:
              - {afterRequests: 1, action: disable-proxy, node: 0}
            """)
        #expect(node.field == "timeline[0].node")
    }

    @Test func badClusterScenariosAreRefused() throws {
        let few = try refusal("""
            topology: {backend: redis-cluster, primaries: 2}
            workload: {questions: 10, requests: 100}
            """)
        #expect(few.field == "topology.primaries")
        #expect(few.expected.contains("3…9"))
        let single = try refusal(timeline("{afterRequests: 1, action: redis-kill}"))
        #expect(single.field == "timeline[0].action")
        #expect(single.expected.contains("cluster-failover"))
        let unknownNode = try refusal(timeline("{afterRequests: 1, action: cluster-node-restart, node: 6}"))
        #expect(unknownNode.field == "timeline[0].node")
        #expect(unknownNode.expected.contains("0…5"))
        let unknownProxy = try refusal(timeline("{afterRequests: 1, action: enable-proxy, node: 9}"))
        #expect(unknownProxy.field == "timeline[0].node")
        let itself = try refusal(timeline("{afterRequests: 1, action: cluster-reshard, from: 1, to: 1}"))
        #expect(itself.field == "timeline[0].to")
        let restartWithoutNode = try refusal(timeline("{afterRequests: 1, action: cluster-node-restart}"))
        #expect(restartWithoutNode.field == "timeline[0].node")
        let nodeOnDeploy = try refusal(timeline("{afterRequests: 1, action: deploy, node: 1}"))
        #expect(nodeOnDeploy.field == "timeline[0].node")
        let noReplica = try refusal("""
            topology: {backend: redis-cluster}
            workload: {questions: 10, requests: 100}
            timeline:
              - {afterRequests: 1, action: cluster-failover}
            """)
        #expect(noReplica.expected.contains("replicasPerPrimary"))
        let perInstance = try refusal("""
            topology: {backend: redis-cluster, proxies: per-instance}
            workload: {questions: 10, requests: 100}
            """)
        #expect(perInstance.field == "topology.proxies")
    }

    @Test func clusterMetricsAreScopedAsDocumented() throws {
        #expect(!ScenarioMetric.minPrimaryKeyShare.isPhaseScopable)
        #expect(ScenarioMetric.timeToKVHitAfterClusterActionMs.isPhaseScopable)
        #expect(!ScenarioMetric.timeToKVHitAfterClusterActionMs.isPerInstance)
        let phase = try refusal(Self.cluster + "\nexpectations:\n  - {metric: minPrimaryKeyShare, phase: start, min: 0.5}\n")
        #expect(phase.field == "expectations[0].phase")
    }

    @Test func timeToKVHitAfterAnAction() {
        func record(_ start: Double, _ outcome: RequestRecord.Outcome) -> RequestRecord {
            RequestRecord(
                index: 0, question: "q", instance: 0, phase: 0, startMilliseconds: start, latencyMilliseconds: 1,
                originMilliseconds: 0, unscaledOriginMilliseconds: 0, outcome: outcome, responder: nil, kvError: nil,
                wrongAnswer: nil, failure: nil, mode: "redis", isColdStart: false)
        }
        let records = [record(100, .kv), record(1200, .computed), record(1350, .kv), record(2600, .kv)]
        let failover = ClusterOperationLog.Entry(action: .failover(node: 0), startedAt: 500, completedAt: 1000, error: nil)
        let restart = ClusterOperationLog.Entry(action: .nodeRestart(node: 0), startedAt: 2000, completedAt: 2500, error: nil)
        #expect(VariantRunner.worstTimeToKVHit(after: [failover], in: records) == 350)
        #expect(VariantRunner.worstTimeToKVHit(after: [failover, restart], in: records) == 350)
        let late = ClusterOperationLog.Entry(action: .nodeRestart(node: 0), startedAt: 2000, completedAt: 2700, error: nil)
        #expect(VariantRunner.worstTimeToKVHit(after: [failover, late], in: records).isNaN)
        #expect(VariantRunner.worstTimeToKVHit(after: [], in: records).isNaN)
    }

    @Test func nodeStatisticsParseAndSubtract() {
        let before = ClusterNodeStatistics(
            commandstats: "# Commandstats\r\ncmdstat_get:calls=10,usec=5,usec_per_call=0.50,rejected_calls=3,failed_calls=0\r\ncmdstat_set:calls=4,usec=9\r\n",
            errorstats: "# Errorstats\r\nerrorstat_MOVED:count=2\r\n")
        #expect(before.calls == ["get": 10, "set": 4])
        #expect(before.errors == ["MOVED": 2])
        var after = ClusterNodeStatistics(
            commandstats: "cmdstat_get:calls=25,usec=9\r\ncmdstat_set:calls=9,usec=9\r\ncmdstat_unlink:calls=1,usec=1\r\n",
            errorstats: "errorstat_MOVED:count=7\r\nerrorstat_ASK:count=3\r\n")
        let during = after.since(before)
        #expect(during.calls == ["get": 15, "set": 5, "unlink": 1])
        #expect(during.errors == ["MOVED": 5, "ASK": 3])
        #expect(during.calls(of: ClusterNodeStatistics.readCommands) == 15)
        #expect(during.calls(of: ClusterNodeStatistics.writeCommands) == 6)
        // Another process (the node restarted): its counters started again at zero and count whole.
        after.processIdentifier = 42
        #expect(after.since(before).calls["get"] == 25)
        #expect(VariantRunner.minimumKeyShare([]).isNaN)
    }
}
