import FaultProxy
import Foundation
import Logging
import Testing

@Suite("Seeded randomness and config files")
struct SeedAndConfigTests {
    /// Which of `count` sequential connections a 50 % toxic affects, for a given seed. The toxic (`limit_data` 0)
    /// closes affected connections at their first byte, so the outcome is read from what arrives, not from timing.
    private func affectedConnections(seed: UInt64, count: Int) async throws -> [Bool] {
        try await withEchoProxy(name: "seeded", seed: seed) { registry, proxy in
            _ = try await registry.addToxic(Toxic(toxicity: 0.5, kind: .limitData(bytes: 0)), to: proxy.name)
            var affected: [Bool] = []
            for _ in 0..<count {
                let client = try await TestConnection.connect(port: proxy.listenPort)
                try await client.send("?")
                let received = try await client.waitForBytes(1, timeout: .seconds(20))
                affected.append(received.isEmpty)
                client.close()
            }
            return affected
        }
    }

    @Test("the same seed affects the same connections")
    func toxicityIsReproducible() async throws {
        let first = try await affectedConnections(seed: 11, count: 8)
        let second = try await affectedConnections(seed: 11, count: 8)
        #expect(first == second)
        #expect(first.contains(true) && first.contains(false), "seed 11 should give a mix: \(first)")
    }

    @Test("a config file declares proxies with toxics")
    func configFileWithToxics() async throws {
        let json = """
            [{"name":"a","listen":"127.0.0.1:0","upstream":"127.0.0.1:6379"},
             {"name":"b","upstream":"localhost:6380","enabled":false,
              "toxics":[{"type":"latency","attributes":{"latency":50}},
                        {"name":"slow","type":"bandwidth","stream":"upstream","toxicity":0.5,"attributes":{"rate":10}}]}]
            """
        let definitions = try ProxyConfigFile.parse(Array(json.utf8), source: "test.json")
        #expect(definitions.map(\.configuration.name) == ["a", "b"])
        #expect(definitions[0].toxics == nil)
        #expect(definitions[1].configuration.enabled == false)
        #expect(definitions[1].toxics == [
            Toxic(kind: .latency(latency: 50)),
            Toxic(name: "slow", stream: .upstream, toxicity: 0.5, kind: .bandwidth(rate: 10)),
        ])

        let registry = ProxyRegistry(seed: 1, logger: Logger(label: "fault-proxy-test"))
        let states = try await registry.populate(definitions)
        await registry.shutdown()
        #expect(states.count == 2)
        #expect(states[0].enabled && states[0].listenPort > 0)
        #expect(states[1].toxics.count == 2)
    }

    @Test("a bad config file is refused with a message naming the file and the problem")
    func badConfigFile() throws {
        do {
            _ = try ProxyConfigFile.parse(Array(#"[{"name":"x"}]"#.utf8), source: "proxies.json")
            Issue.record("a proxy without upstream was accepted")
        } catch {
            #expect(error.message.contains("proxies.json"))
            #expect(error.message.contains("upstream"))
        }
        #expect(throws: FaultProxyError.self) { try ProxyConfigFile.parse(Array("{oops".utf8), source: "f") }
        #expect(throws: FaultProxyError.self) { try ProxyConfigFile.load(path: "/nonexistent/proxies.json") }
    }
}
