import FaultProxy
import Testing

@testable import ScenarioKit

/// The server-side, foreign-writer and measuring parts of the scenario format: what parses, and what is refused
/// with the field and what was expected.
@Suite("Scenario file parsing: server faults, foreign writes, answer sizes, ratios")
struct NewActionParsingTests {
    static let minimal = ScenarioParserTests.minimal

    func refusal(_ text: String) throws -> ScenarioFileError {
        try ScenarioParserTests().refusal(text)
    }

    func actions(_ timeline: String) throws -> [TimelineAction] {
        try ScenarioParser.parse(Self.minimal + "\ntimeline:\n" + timeline, file: "a.yaml").timeline.map(\.action)
    }

    @Test func serverFaultActionsParse() throws {
        let parsed = try actions("""
              - {afterRequests: 1, action: redis-freeze}
              - {afterRequests: 2, action: redis-thaw}
              - {afterRequests: 3, action: redis-client-pause, ms: 500, mode: write}
              - {afterRequests: 4, action: redis-client-pause, ms: 200}
              - {afterRequests: 5, action: redis-maxclients, count: 1}
              - {afterRequests: 6, action: redis-password, password: s3cret}
              - {afterRequests: 7, action: redis-password, password: "", disconnect: false}
              - {afterRequests: 8, action: redis-debug-sleep, ms: 300}
              - {afterRequests: 9, action: redis-maxmemory, bytes: 1}
              - {afterRequests: 10, action: add-toxic, toxic: {type: connect_delay, attributes: {delay: 0}}}
            """)
        #expect(parsed == [
            .redisFreeze, .redisThaw, .redisClientPause(milliseconds: 500, writesOnly: true),
            .redisClientPause(milliseconds: 200, writesOnly: false), .redisMaxClients(1),
            .redisPassword("s3cret", disconnect: true), .redisPassword("", disconnect: false),
            .redisDebugSleep(milliseconds: 300), .redisMaxMemory(bytes: 1),
            .addToxic(Toxic(kind: .connectDelay(delay: 0))),
        ])
        #expect(parsed.allSatisfy { $0.needsRedis })
    }

    @Test func badServerFaultFieldsAreRefused() throws {
        let mode = try refusal(Self.minimal + "\ntimeline:\n  - {afterRequests: 1, action: redis-client-pause, ms: 5, mode: reads}\n")
        #expect(mode.field == "timeline[0].mode")
        #expect(mode.expected == "'all' or 'write'")
        let count = try refusal(Self.minimal + "\ntimeline:\n  - {afterRequests: 1, action: redis-maxclients, count: 0}\n")
        #expect(count.field == "timeline[0].count")
        let missing = try refusal(Self.minimal + "\ntimeline:\n  - {afterRequests: 1, action: redis-password}\n")
        #expect(missing.field == "timeline[0].password")
        let spaced = try refusal(Self.minimal + "\ntimeline:\n  - {afterRequests: 1, action: redis-password, password: a b}\n")
        #expect(spaced.field == "timeline[0].password")
        let sleep = try refusal(Self.minimal + "\ntimeline:\n  - {afterRequests: 1, action: redis-debug-sleep, ms: 0}\n")
        #expect(sleep.field == "timeline[0].ms")
        let stray = try refusal(Self.minimal + "\ntimeline:\n  - {afterRequests: 1, action: redis-freeze, ms: 5}\n")
        #expect(stray.field == "timeline[0].ms")
        let noRedis = try refusal("""
            topology: {backend: none}
            workload: {questions: 10, requests: 100}
            timeline:
              - {afterRequests: 1, action: redis-maxmemory, bytes: 5}
            """)
        #expect(noRedis.field == "timeline[0].action")
    }

    @Test func foreignWritesParse() throws {
        let parsed = try actions("""
              - {afterRequests: 1, action: foreign-write, content: no-key}
              - {afterRequests: 2, action: foreign-write, content: wrong-key, keys: 5}
              - {afterRequests: 3, action: foreign-write, content: future-version, keys: all}
              - {afterRequests: 4, action: foreign-write, content: garbage, keys: 1}
              - {afterRequests: 5, action: foreign-write, content: huge, bytes: 2097152, keys: 2}
              - {afterRequests: 6, action: foreign-write, content: raw, value: "{\\"v\\":1}"}
            """)
        #expect(parsed == [
            .foreignWrite(ForeignWrite(content: .noKey)), .foreignWrite(ForeignWrite(content: .wrongKey, keys: 5)),
            .foreignWrite(ForeignWrite(content: .futureVersion)), .foreignWrite(ForeignWrite(content: .garbage, keys: 1)),
            .foreignWrite(ForeignWrite(content: .huge(bytes: 2_097_152), keys: 2)),
            .foreignWrite(ForeignWrite(content: .raw("{\"v\":1}"))),
        ])
    }

    @Test func badForeignWritesAreRefused() throws {
        let content = try refusal(Self.minimal + "\ntimeline:\n  - {afterRequests: 1, action: foreign-write, content: poison}\n")
        #expect(content.field == "timeline[0].content")
        #expect(content.expected.contains("no-key"))
        let huge = try refusal(Self.minimal + "\ntimeline:\n  - {afterRequests: 1, action: foreign-write, content: huge}\n")
        #expect(huge.field == "timeline[0].bytes")
        let keys = try refusal(Self.minimal + "\ntimeline:\n  - {afterRequests: 1, action: foreign-write, content: garbage, keys: some}\n")
        #expect(keys.field == "timeline[0].keys")
        let stray = try refusal(Self.minimal + "\ntimeline:\n  - {afterRequests: 1, action: foreign-write, content: garbage, bytes: 5}\n")
        #expect(stray.field == "timeline[0].bytes")
    }

    @Test func answerSizeParsesAndIsBounded() throws {
        let scenario = try ScenarioParser.parse(Self.minimal + "\norigin: {answerBytes: {distribution: lognormal, median: 4096, p99: 65536}}\n", file: "o.yaml")
        #expect(scenario.origin.answerBytes == .logNormal(median: 4096, p99: 65536))
        #expect(try ScenarioParser.parse(Self.minimal + "\norigin: {answerBytes: 1048576}\n", file: "o.yaml").origin.answerBytes == .fixed(1_048_576))
        let tooLarge = try refusal(Self.minimal + "\norigin: {answerBytes: 999999999}\n")
        #expect(tooLarge.field == "origin.answerBytes")
        #expect(tooLarge.expected.contains("bytes"))
    }

    @Test func ratiosAndNewMetricsParse() throws {
        let scenario = try ScenarioParser.parse(Self.minimal + """

            timeline:
              - {afterRequests: 10, action: redis-freeze, phase: frozen}
              - {afterRequests: 20, action: redis-thaw, phase: thawed}
            expectations:
              - {metric: maxCacheOverheadMs, ratio: {phase: frozen, to: thawed}, max: 2}
              - {metric: protocolErrors, phase: frozen, max: 0}
              - {metric: kvErrors, phase: thawed, max: 0}
              - {metric: timeToLastInstanceKVHitMs, phase: thawed, max: 1000}
              - {metric: connectsPerSecond, max: 100}
              - {metric: redisCPUSeconds, phase: frozen, max: 0.05}
            """, file: "r.yaml")
        #expect(scenario.expectations[0].ratio == Expectation.PhaseRatio(phase: "frozen", to: "thawed"))
        #expect(scenario.expectations[0].description == "maxCacheOverheadMs [frozen] / [thawed] ≤ 2")
        #expect(scenario.expectations.map(\.metric) == [
            .maxCacheOverheadMs, .protocolErrors, .kvErrors, .timeToLastInstanceKVHitMs, .connectsPerSecond, .redisCPUSeconds,
        ])
    }

    @Test func badRatiosAreRefused() throws {
        let timeline = "\ntimeline:\n  - {afterRequests: 10, action: mark, phase: a}\n"
        let both = try refusal(Self.minimal + timeline + "expectations:\n  - {metric: fallbacks, phase: a, ratio: {phase: a, to: start}, max: 1}\n")
        #expect(both.field == "expectations[0].ratio")
        let unknown = try refusal(Self.minimal + timeline + "expectations:\n  - {metric: fallbacks, ratio: {phase: a, to: nowhere}, max: 1}\n")
        #expect(unknown.field == "expectations[0].ratio.to")
        let deadline = try refusal(Self.minimal + timeline + "expectations:\n  - {metric: maxLatencyMs, ratio: {phase: a, to: start}, max: deadline}\n")
        #expect(deadline.field == "expectations[0].max")
        let text = try refusal(Self.minimal + timeline + "expectations:\n  - {metric: mode, ratio: {phase: a, to: start}, equals: redis}\n")
        #expect(text.field == "expectations[0].ratio")
        let stray = try refusal(Self.minimal + timeline + "expectations:\n  - {metric: fallbacks, ratio: {phase: a, to: start, by: 2}, max: 1}\n")
        #expect(stray.field == "expectations[0].ratio.by")
    }

    @Test func targetsAndPerInstanceExpectationsParse() throws {
        let scenario = try ScenarioParser.parse("""
            topology: {instances: 4, backend: redis, proxies: per-instance}
            workload: {questions: 10, requests: 100}
            timeline:
              - {afterRequests: 10, action: add-toxic, target: {instance: 2}, toxic: {type: latency, attributes: {latency: 5}}, phase: one}
              - {afterRequests: 20, action: disable-proxy, target: {share: 0.5}, phase: half}
              - {afterRequests: 30, action: enable-proxy, target: all}
            expectations:
              - {metric: fallbacks, phase: one, instance: 2, min: 1}
              - {metric: hitRate, instance: 0, min: 0.5}
            """, file: "t.yaml")
        #expect(scenario.topology.proxies == .perInstance)
        #expect(scenario.timeline.map(\.target) == [.instance(2), .share(0.5), .all])
        #expect(scenario.expectations.map(\.instance) == [2, 0])
        #expect(scenario.expectations[0].description == "fallbacks [one] on instance 2 ≥ 1")
    }

    @Test func badTargetsAreRefused() throws {
        let shared = try refusal(Self.minimal + "\ntimeline:\n  - {afterRequests: 1, action: disable-proxy, target: {instance: 0}}\n")
        #expect(shared.field == "timeline[0].target")
        #expect(shared.expected.contains("per-instance"))
        let perInstance = "topology: {instances: 2, backend: redis, proxies: per-instance}\nworkload: {questions: 10, requests: 100}\n"
        let notProxy = try refusal(perInstance + "timeline:\n  - {afterRequests: 1, action: redis-freeze, target: {instance: 0}}\n")
        #expect(notProxy.field == "timeline[0].target")
        let share = try refusal(perInstance + "timeline:\n  - {afterRequests: 1, action: disable-proxy, target: {share: 0}}\n")
        #expect(share.field == "timeline[0].target.share")
        let both = try refusal(perInstance + "timeline:\n  - {afterRequests: 1, action: disable-proxy, target: {share: 0.5, instance: 1}}\n")
        #expect(both.field == "timeline[0].target")
        let word = try refusal(perInstance + "timeline:\n  - {afterRequests: 1, action: disable-proxy, target: some}\n")
        #expect(word.field == "timeline[0].target")
        let layout = try refusal("topology: {backend: redis, proxies: many}\nworkload: {questions: 10, requests: 100}\n")
        #expect(layout.field == "topology.proxies")
        let counter = try refusal(perInstance + "expectations:\n  - {metric: protocolErrors, instance: 0, max: 0}\n")
        #expect(counter.field == "expectations[0].instance")
    }
}
