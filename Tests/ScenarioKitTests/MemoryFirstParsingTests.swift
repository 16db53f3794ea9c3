import CacheCore
import Testing

@testable import ScenarioKit

/// The memory-first parts of the scenario format (issue 12): the read strategy and backplane fields, the
/// `invalidate` action, `target: backplane`, the staleness metrics.
@Suite("Scenario file parsing: memory first and the backplane")
struct MemoryFirstParsingTests {
    static let memoryFirst = """
        name: sample
        topology: {instances: 2, backend: redis, readStrategy: memory-first, backplaneStalenessMs: 300, backplaneHeartbeatMs: 20}
        workload: {questions: 10, requests: 100, seed: 7}
        """

    @Test func fieldsActionsAndTargetParse() throws {
        let scenario = try ScenarioParser.parse(Self.memoryFirst + """

            timeline:
              - {afterRequests: 10, action: add-toxic, target: backplane, toxic: {type: timeout, attributes: {timeout: 0}}}
              - {afterRequests: 20, action: invalidate, pattern: "faq:*", instance: 1, kbUpdate: 0.5}
              - {afterRequests: 30, action: invalidate}
              - {afterRequests: 40, action: remove-toxic, target: backplane, name: timeout_downstream}
            expectations:
              - {metric: stalenessWindowP99Ms, max: 50}
              - {metric: invalidatedAnswers, min: 0}
            """, file: "a.yaml")
        #expect(scenario.topology.readStrategy == .memoryFirst)
        #expect(scenario.topology.backplaneStalenessMilliseconds == 300)
        #expect(scenario.topology.backplaneHeartbeatMilliseconds == 20)
        #expect(scenario.timeline[0].target == .backplane)
        #expect(scenario.timeline[1].action == .invalidate(pattern: "faq:*", instance: 1, kbUpdate: 0.5))
        #expect(scenario.timeline[2].action == .invalidate(pattern: "*", instance: 0, kbUpdate: nil))
        #expect(!scenario.timeline[1].action.needsRedis)
        #expect(scenario.expectations.map(\.metric) == [.stalenessWindowP99Ms, .invalidatedAnswers])
    }

    @Test func backplaneTargetNeedsMemoryFirstOverRedis() throws {
        let error = try ScenarioParserTests().refusal(ScenarioParserTests.minimal + """

            timeline:
              - {afterRequests: 10, action: disable-proxy, target: backplane}
            """)
        #expect(error.field == "timeline[0].target")
        let notProxy = try ScenarioParserTests().refusal(Self.memoryFirst + """

            timeline:
              - {afterRequests: 10, action: invalidate, target: backplane}
            """)
        #expect(notProxy.field.hasSuffix("target"))
    }

    @Test func stalenessMetricsAreWholeRunOnly() throws {
        let error = try ScenarioParserTests().refusal(Self.memoryFirst + """

            expectations:
              - {metric: stalenessWindowMaxMs, phase: start, max: 10}
            """)
        #expect(error.field.hasPrefix("expectations"))
        var metrics = MetricSet()
        #expect(metrics.value(of: .stalenessWindowP99Ms)?.isNaN == true)
        metrics.stalenessWindowsMilliseconds = [0, 0, 3, 40, 12]
        #expect(metrics.value(of: .stalenessWindowP50Ms) == 3)
        #expect(metrics.value(of: .stalenessWindowP99Ms) == 40)
        #expect(metrics.value(of: .stalenessWindowMaxMs) == 40)
    }

    @Test func configurationFollowsTheTopology() throws {
        let topology = try ScenarioParser.parse(Self.memoryFirst, file: "a.yaml").topology
        let configuration = CacheConfiguration().withReadStrategy(of: topology)
        #expect(configuration.readStrategy == .memoryFirst)
        #expect(configuration.backplane.maximumStaleness == .milliseconds(300))
        #expect(configuration.backplane.heartbeatInterval == .milliseconds(20))
        #expect(CacheConfiguration().withReadStrategy(of: Topology()).readStrategy == .kvFirst)
    }
}
