import FaultProxy
import Foundation
import Logging
import RedisServerSupport
import Testing

@Suite("Redis Cluster behind fault proxies: the cluster announces the proxies")
struct RedisClusterThroughProxiesTests {
    /// A 3-primary cluster whose node N announces the port of proxy `nodeN` in front of it.
    private func withProxiedCluster(_ body: (ProxyRegistry, RedisCluster) async throws -> Void) async throws {
        let registry = ProxyRegistry(seed: 13, logger: Logger(label: "fault-proxy-test"))
        do {
            let cluster = try await RedisCluster.start(options: .init(primaries: 3)) { node, serverPort in
                try await registry.createProxy(ProxyConfiguration(name: "node\(node)", upstream: "127.0.0.1:\(serverPort)")).listenPort
            }
            defer { cluster.cleanUp() }
            try await body(registry, cluster)
        } catch {
            await registry.shutdown()
            throw error
        }
        await registry.shutdown()
    }

    @Test("topology replies and MOVED name the proxies' ports, also after a node restart")
    func announcedPorts() async throws {
        try await withProxiedCluster { registry, cluster in
            let proxyPorts = try await (0..<3).asyncMap { try await registry.proxy(named: "node\($0)").listenPort }
            #expect(cluster.announcedPorts == proxyPorts)
            #expect(zip(cluster.announcedPorts, cluster.servers).allSatisfy { $0 != $1.port })
            #expect(cluster.seedAddresses == proxyPorts.map { "127.0.0.1:\($0)" })

            let slots = try #require(RawRedisReply(try await cluster.servers[0].command(["CLUSTER", "SLOTS"]))?.elements)
            let announced = slots.compactMap { $0.elements?[2].elements?[1] }
            #expect(Set(announced) == Set(proxyPorts.map { RawRedisReply.integer($0) }))

            // "foo" is in slot 12182; ask a node that does not serve it, through its proxy.
            let layout = try await cluster.layout()
            let owner = try #require(layout.primary(ofSlot: 12182))
            let other = (owner + 1) % 3
            let client = try await TestConnection.connect(port: proxyPorts[other])
            defer { client.close() }
            try await client.send(resp("GET", "foo"))
            let expected = "-MOVED 12182 127.0.0.1:\(proxyPorts[owner])\r\n"
            #expect(try await client.waitForText(expected) == expected)

            // The announced port comes back with the node (restart waits until every node sees it again).
            try await cluster.restart(node: owner)
            let entries = ClusterNodesEntry.parse(try #require(RawRedisReply(try await cluster.servers[other].command(["CLUSTER", "NODES"]))?.text))
            #expect(entries.first { $0.id == cluster.nodeIDs[owner] }?.port == proxyPorts[owner])
        }
    }

    @Test("harness operations use the servers' own ports: resharding works while a proxy is down")
    func reshardPastDisabledProxy() async throws {
        try await withProxiedCluster { registry, cluster in
            let layout = try await cluster.layout()
            let source = try #require(layout.primary(ofSlot: 0))
            let target = try #require(layout.primary(ofSlot: 16383))
            _ = try await registry.setEnabled(false, proxy: "node\(source)")
            _ = try await registry.setEnabled(false, proxy: "node\(target)")
            let moved = try await cluster.moveSlots(5, from: source, to: target)
            #expect(moved.count == 5)
            let after = try await cluster.layout()
            for slot in moved { #expect(after.primary(ofSlot: slot) == target) }
        }
    }
}

extension Range where Bound == Int {
    /// `map` with an async throwing transform, in order.
    func asyncMap<T>(_ transform: (Int) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
