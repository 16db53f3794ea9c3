@testable import KVRestBridge
import NIOCore
import Testing

@testable import ScenarioKit

/// `topology.backend: rest` and the REST bridge's HTTP faults in scenario files: what parses, and what is refused
/// with the field and what was expected.
@Suite("Scenario file parsing: REST backend and HTTP faults")
struct RESTScenarioParsingTests {
    static let rest = """
        name: sample
        topology: {instances: 2, backend: rest}
        workload: {questions: 10, requests: 100, seed: 7}
        """

    func refusal(_ text: String) throws -> ScenarioFileError {
        try ScenarioParserTests().refusal(text)
    }

    @Test func restBackendAndFaultsParse() throws {
        let scenario = try ScenarioParser.parse(Self.rest + """

            timeline:
              - {afterRequests: 1, action: rest-fault, status: 401}
              - {afterRequests: 2, action: rest-fault, status: 503, share: 0.5}
              - {afterRequests: 3, action: rest-fault, status: malformed-body}
              - {afterRequests: 4, action: rest-fault, status: trickle, intervalMs: 40}
              - {afterRequests: 5, action: rest-fault, status: trickle}
              - {afterRequests: 6, action: rest-fault, status: no-response}
              - {afterRequests: 7, action: rest-fault-clear}
              - {afterRequests: 8, action: add-toxic, toxic: {name: bh, type: timeout, attributes: {timeout: 0}}}
            """, file: "r.yaml")
        #expect(scenario.topology.backend == .rest)
        #expect(scenario.needsRedis)
        #expect(scenario.timeline.prefix(7).map(\.action) == [
            .restFault(.status(401), share: 1), .restFault(.status(503), share: 0.5), .restFault(.malformedBody, share: 1),
            .restFault(.trickle(interval: .milliseconds(40)), share: 1),
            .restFault(.trickle(interval: .milliseconds(100)), share: 1), .restFault(.neverRespond, share: 1),
            .restFaultClear,
        ])
        #expect(scenario.timeline[1].action.description == "REST fault: HTTP 503 on 50 % of requests")
    }

    @Test func badRESTFaultFieldsAreRefused() throws {
        func timeline(_ event: String) -> String { Self.rest + "\ntimeline:\n  - \(event)\n" }
        let missing = try refusal(timeline("{afterRequests: 1, action: rest-fault}"))
        #expect(missing.field == "timeline[0].status")
        #expect(missing.expected.contains("400…599"))
        let code = try refusal(timeline("{afterRequests: 1, action: rest-fault, status: 200}"))
        #expect(code.field == "timeline[0].status")
        let kind = try refusal(timeline("{afterRequests: 1, action: rest-fault, status: slow}"))
        #expect(kind.expected.contains("malformed-body, trickle, no-response"))
        let share = try refusal(timeline("{afterRequests: 1, action: rest-fault, status: 500, share: 0}"))
        #expect(share.field == "timeline[0].share")
        let interval = try refusal(timeline("{afterRequests: 1, action: rest-fault, status: 500, intervalMs: 5}"))
        #expect(interval.field == "timeline[0].intervalMs")
        #expect(interval.expected.contains("trickle"))
        let target = try refusal(timeline("{afterRequests: 1, action: rest-fault, status: 500, target: {instance: 0}}"))
        #expect(target.field == "timeline[0].target")
    }

    @Test func restFaultsNeedTheRESTBackend() throws {
        let onRedis = try refusal(ScenarioParserTests.minimal + "\ntimeline:\n  - {afterRequests: 1, action: rest-fault-clear}\n")
        #expect(onRedis.field == "timeline[0].action")
        #expect(onRedis.expected.contains("topology.backend: rest"))
        let unknown = try refusal("""
            topology: {backend: upstash}
            workload: {questions: 10, requests: 100}
            """)
        #expect(unknown.field == "topology.backend")
        #expect(unknown.expected.contains("'rest'"))
    }

    @Test func faultShareIsSpreadEvenly() {
        let faults = BridgeFaults()
        faults.set(.status(503), share: 0.25)
        let hit = (0..<100).filter { _ in faults.next() != nil }.count
        #expect(hit == 25)
        faults.set(nil)
        #expect(faults.next() == nil)
    }
}
