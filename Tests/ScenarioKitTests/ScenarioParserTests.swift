import FaultProxy
import Foundation
import Testing

@testable import ScenarioKit

/// Scenario files: what parses, and that every bad file is refused naming the file, the field and what was expected.
@Suite("Scenario file parsing")
struct ScenarioParserTests {
    static let minimal = """
        name: sample
        topology: {instances: 2, backend: redis}
        workload: {questions: 10, requests: 100, seed: 7}
        """

    /// Parses `text` expecting a refusal, and returns it.
    func refusal(_ text: String, file: String = "bad.yaml") throws -> ScenarioFileError {
        do {
            let scenario = try ScenarioParser.parse(text, file: file)
            Issue.record("expected a refusal, parsed \(scenario.name)")
            throw CancellationError()
        } catch let error as ScenarioFileError {
            return error
        }
    }

    @Test func minimalFileGetsDefaults() throws {
        let scenario = try ScenarioParser.parse(Self.minimal, file: "Scenarios/sample.yaml")
        #expect(scenario.name == "sample")
        #expect(scenario.title == "sample")
        #expect(scenario.kvDeadlineMilliseconds == 2000)
        #expect(scenario.topology == Topology(instances: 2, backend: .redis))
        #expect(scenario.workload.concurrency == 8)
        #expect(scenario.workload.seed == 7)
        #expect(scenario.origin == OriginSpecification())
        #expect(scenario.timeline.isEmpty)
        #expect(scenario.initialPhase == "start")
    }

    @Test func fullFileParsesEveryKindOfField() throws {
        let text = """
            name: full
            title: Full
            kvDeadlineMs: 300
            initialPhase: healthy
            topology: {instances: 3, backend: redis, persistence: true, routing: round-robin, reconnectBackoffMaxMs: 200}
            workload: {questions: 50, zipfExponent: 1.2, requests: 1000, concurrency: 4, seed: 9, ratePerSecond: 250}
            origin:
              kbShare: 0.3
              kbLatencyMs: 20
              llmLatencyMs: {distribution: lognormal, median: 1200, p99: 4000}
              latencyScale: 0.05
            timeline:
              - {afterRequests: 100, action: add-toxic, toxic: {type: latency, attributes: {latency: 600, jitter: 10}}, phase: slow, fault: true}
              - {afterRequests: 200, action: remove-toxic, name: latency_downstream, phase: back}
              - {atSeconds: 1.5, action: cold-start, count: 2}
              - {afterRequests: 300, action: pause, ms: 500, scaledInQuickMode: false}
            expectations:
              - {metric: maxCacheOverheadMs, max: deadline + 150}
              - {metric: fallbacks, phase: slow, min: 1}
              - {metric: mode, phase: back, equals: redis}
            baseline: memory-only
            quick: {requestScale: 0.5}
            """
        let scenario = try ScenarioParser.parse(text, file: "full.yaml")
        #expect(scenario.kvDeadlineMilliseconds == 300)
        #expect(scenario.topology.routing == .roundRobin)
        #expect(scenario.topology.reconnectBackoffMaximumMilliseconds == 200)
        #expect(scenario.workload.ratePerSecond == 250)
        #expect(scenario.origin.kbLatency == .fixed(20))
        #expect(scenario.origin.llmLatency == .logNormal(median: 1200, p99: 4000))
        #expect(scenario.timeline.count == 4)
        #expect(scenario.timeline[0].action == .addToxic(Toxic(kind: .latency(latency: 600, jitter: 10))))
        #expect(scenario.timeline[0].fault)
        #expect(scenario.timeline[2].trigger == .afterSeconds(1.5))
        #expect(scenario.timeline[3].action == .pause(milliseconds: 500, scaledInQuickMode: false))
        #expect(scenario.expectations[0].comparison == .atMost(.deadlinePlus(150)))
        #expect(scenario.expectations[0].comparison != .atMost(.value(450)))
        #expect(scenario.baseline == .memoryOnly)
        #expect(scenario.quick.requestScale == 0.5)
    }

    @Test func jsonFilesParseToo() throws {
        let json = #"{"name": "j", "topology": {"backend": "none"}, "workload": {"questions": 5, "requests": 10}}"#
        let scenario = try ScenarioParser.parse(json, file: "j.json")
        #expect(scenario.topology.backend == Topology.Backend.none)
    }

    @Test func badYAMLNamesTheFile() throws {
        let error = try refusal("name: [unclosed\ntopology: {", file: "broken.yaml")
        #expect(error.file == "broken.yaml")
        #expect(error.field == "(file)")
        #expect(error.expected.contains("valid YAML"))
        #expect(error.description.hasPrefix("broken.yaml"))
    }

    @Test func unknownTopLevelField() throws {
        let error = try refusal(Self.minimal + "\ncolour: blue\n")
        #expect(error.field == "colour")
        #expect(error.expected.contains("no such field"))
        #expect(error.expected.contains("workload"))
        #expect(error.line == 4)
    }

    @Test func unknownNestedField() throws {
        let error = try refusal("""
            topology: {backend: redis, instancez: 2}
            workload: {questions: 10, requests: 100}
            """)
        #expect(error.field == "topology.instancez")
        #expect(error.expected.contains("instances"))
    }

    @Test func wrongType() throws {
        let error = try refusal("""
            topology: {backend: redis}
            workload: {questions: many, requests: 100}
            """)
        #expect(error.field == "workload.questions")
        #expect(error.expected.contains("integer"))
        #expect(error.found == "'many'")
        #expect(error.description.contains("bad.yaml:2: field 'workload.questions': expected an integer in 1…1000000, found 'many'"))
    }

    @Test(arguments: [
        ("zipfExponent: -1", "workload.zipfExponent"),
        ("concurrency: 0", "workload.concurrency"),
        ("requests: 0", "workload.requests"),
    ])
    func outOfRangeWorkloadValues(line: String, field: String) throws {
        let error = try refusal("""
            topology: {backend: redis}
            workload:
              questions: 10
              \(line.hasPrefix("requests") ? "" : "requests: 100")
              \(line)
            """)
        #expect(error.field == field)
        #expect(error.expected.contains("≥") || error.expected.contains("…"))
    }

    @Test func outOfRangeRatio() throws {
        let error = try refusal(Self.minimal + "\norigin: {kbShare: 1.5}\n")
        #expect(error.field == "origin.kbShare")
        #expect(error.expected.contains("≤ 1"))
    }

    @Test func missingRequiredSection() throws {
        let error = try refusal("topology: {backend: redis}\n")
        #expect(error.field == "workload")
        #expect(error.found?.contains("required") == true)
    }

    @Test func badChoice() throws {
        let error = try refusal("""
            topology: {backend: postgres}
            workload: {questions: 10, requests: 100}
            """)
        #expect(error.field == "topology.backend")
        #expect(error.expected == "'redis' or 'rest' or 'none' or 'redis-cluster'")
    }

    @Test func unknownAction() throws {
        let error = try refusal(Self.minimal + "\ntimeline:\n  - {afterRequests: 1, action: explode}\n")
        #expect(error.field == "timeline[0].action")
        #expect(error.expected.contains("add-toxic"))
    }

    @Test func eventNeedsExactlyOneTrigger() throws {
        let error = try refusal(Self.minimal + "\ntimeline:\n  - {action: deploy}\n")
        #expect(error.field == "timeline[0].afterRequests")
        #expect(error.found == "neither")
    }

    @Test func fieldOfAnotherActionIsRefused() throws {
        let error = try refusal(Self.minimal + "\ntimeline:\n  - {afterRequests: 1, action: deploy, count: 3}\n")
        #expect(error.field == "timeline[0].count")
    }

    @Test func badToxicTypeAndAttribute() throws {
        let type = try refusal(Self.minimal + "\ntimeline:\n  - {afterRequests: 1, action: add-toxic, toxic: {type: fire}}\n")
        #expect(type.field == "timeline[0].toxic.type")
        #expect(type.expected.contains("latency"))
        let attribute = try refusal(Self.minimal + "\ntimeline:\n  - {afterRequests: 1, action: add-toxic, toxic: {type: latency, attributes: {bytes: 5}}}\n")
        #expect(attribute.field == "timeline[0].toxic.attributes.bytes")
        #expect(attribute.expected.contains("jitter, latency"))
        let tooLarge = try refusal(Self.minimal + "\ntimeline:\n  - {afterRequests: 1, action: add-toxic, toxic: {type: latency, attributes: {latency: 86400001}}}\n")
        #expect(tooLarge.field == "timeline[0].toxic.attributes.latency")
    }

    @Test("every toxic the fault proxy has can be used in a scenario file, with every one of its attributes")
    func everyProxyToxicParses() throws {
        for type in ToxicKind.typeNames {
            let names = try #require(ToxicKind.attributeNames(ofType: type))
            let attributes = names.enumerated().map { "\($0.element): \($0.offset + 1)" }.joined(separator: ", ")
            let text = Self.minimal + "\ntimeline:\n  - {afterRequests: 1, action: add-toxic, toxic: {type: \(type), attributes: {\(attributes)}}}\n"
            let scenario = try ScenarioParser.parse(text, file: "\(type).yaml")
            guard case .addToxic(let toxic) = scenario.timeline[0].action else {
                Issue.record("\(type): not an add-toxic action")
                continue
            }
            #expect(toxic.kind.typeName == type)
            #expect(toxic.name == "\(type)_downstream")
            let expected = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($0.element, $0.offset + 1) })
            #expect(toxic.kind.attributes == expected, "\(type)")
        }
    }

    @Test func triggersMustNotGoBackwards() throws {
        let error = try refusal(Self.minimal + "\ntimeline:\n  - {afterRequests: 50, action: deploy}\n  - {afterRequests: 10, action: deploy}\n")
        #expect(error.field == "timeline[1].afterRequests")
        #expect(error.line == 6)
    }

    @Test func triggerBeyondTheTraceIsRefused() throws {
        let error = try refusal(Self.minimal + "\ntimeline:\n  - {afterRequests: 101, action: deploy}\n")
        #expect(error.field == "timeline[0].afterRequests")
    }

    @Test func redisActionWithoutRedis() throws {
        let error = try refusal("""
            topology: {backend: none}
            workload: {questions: 10, requests: 100}
            timeline:
              - {afterRequests: 1, action: redis-kill}
            """)
        #expect(error.field == "timeline[0].action")
        #expect(error.expected.contains("needs no Redis"))
    }

    @Test func expectationErrors() throws {
        let unknownPhase = try refusal(Self.minimal + "\nexpectations:\n  - {metric: hitRate, phase: nowhere, min: 0.5}\n")
        #expect(unknownPhase.field == "expectations[0].phase")
        #expect(unknownPhase.expected.contains("start"))

        let bothBounds = try refusal(Self.minimal + "\nexpectations:\n  - {metric: hitRate, min: 0.5, max: 0.9}\n")
        #expect(bothBounds.field == "expectations[0].max")
        #expect(bothBounds.found == "max and min")

        let badThreshold = try refusal(Self.minimal + "\nexpectations:\n  - {metric: maxLatencyMs, max: deadline times two}\n")
        #expect(badThreshold.field == "expectations[0].max")
        #expect(badThreshold.expected.contains("deadline + <ms>"))

        let needsBaseline = try refusal(Self.minimal + "\nexpectations:\n  - {metric: llmCallReduction, min: 0.4}\n")
        #expect(needsBaseline.field == "expectations[0].metric")
        #expect(needsBaseline.expected.contains("baseline"))

        let textMetric = try refusal(Self.minimal + "\nexpectations:\n  - {metric: mode, min: 1}\n")
        #expect(textMetric.field == "expectations[0].min")

        let unknownMetric = try refusal(Self.minimal + "\nexpectations:\n  - {metric: happiness, min: 1}\n")
        #expect(unknownMetric.field == "expectations[0].metric")
    }

    @Test func missingFileIsAnErrorNotACrash() throws {
        #expect(throws: ScenarioFileError.self) { try ScenarioParser.load(file: "/nonexistent/scenario.yaml") }
    }

    @Test func quickScalingKeepsEveryEventAndShrinksTriggers() throws {
        let scenario = try ScenarioParser.parse(Self.minimal + """

            timeline:
              - {afterRequests: 40, action: deploy, phase: later}
              - {afterRequests: 80, action: pause, ms: 400}
            """, file: "q.yaml")
        let quick = scenario.prepared(quick: true, seed: 99)
        #expect(quick.workload.requests == 25)
        #expect(quick.workload.seed == 99)
        #expect(quick.timeline.count == 2)
        #expect(quick.timeline[0].trigger == .afterRequests(10))
        #expect(quick.timeline[1].action == .pause(milliseconds: 100, scaledInQuickMode: true))
        #expect(scenario.prepared(quick: false, seed: nil) == scenario)
    }

    @Test func everyShippedScenarioFileIsValid() throws {
        let directory = ScenarioSuiteLocation.scenariosDirectory
        let files = try ScenarioParser.scenarioFiles(in: [directory])
        #expect(files.count >= 7)
        for file in files {
            let scenario = try ScenarioParser.load(file: file)
            #expect(!scenario.expectations.isEmpty, "\(file) has no expectations")
        }
    }
}
