import CacheCore
@testable import ScenarioKit
import Testing

/// Scenario names are free text; the cache namespace derived from them must always be a valid one, or every
/// instance of the scenario would silently run memory-only.
@Suite("Scenario cache namespaces")
struct ScenarioNamespaceTests {
    @Test("any scenario name gives a valid namespace", arguments: [
        "kv-failing", "my scenario", "pcache:v2", "glob*?[x]", "ünïcödé", "", String(repeating: "long", count: 100),
    ])
    func validNamespace(name: String) {
        let namespace = ScenarioRunner.namespace(scenario: name, seed: 42)
        #expect(CacheConfiguration.namespaceProblem(namespace) == nil, "\(namespace)")
    }

    @Test("ordinary names are kept as they are")
    func ordinaryName() {
        #expect(ScenarioRunner.namespace(scenario: "kv-failing", seed: 303) == "scn-kv-failing-303")
    }
}
