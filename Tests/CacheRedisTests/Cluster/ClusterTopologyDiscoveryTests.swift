import Synchronization
import Testing

@testable import CacheRedis

@Suite("Cluster topology discovery: ask several nodes, elect one view")
struct ClusterTopologyDiscoveryTests {
    typealias B = ClusterReplyBuilders

    @Test("a majority view wins over a stale node's; unreachable nodes are reported, not fatal")
    func majorityAndFailures() async throws {
        let current = B.threeShards()
        let stale = RedisReply.array([B.shard(slots: [0...16383], nodes: [B.shardNode(id: "old", port: 7009)])])
        let outcome = await ClusterTopologyDiscovery.discover(candidates: [7000, 7001, 7002, 7003].map { B.address($0) }) { node, command in
            #expect(command == ["CLUSTER", "SHARDS"])
            switch node.port {
            case 7003: throw ClusterRequestFailure.nodeUnreachable(node)
            case 7002: return stale
            default: return current
            }
        }
        let topology = try #require(outcome.topology)
        #expect(topology.primary(for: B.slot(16383)) == B.address(7002))
        #expect(topology.primary(for: B.slot(0)) == B.address(7000))
        #expect(outcome.voters >= 2)
    }

    @Test("servers without CLUSTER SHARDS are asked CLUSTER SLOTS")
    func slotsFallback() async throws {
        let asked = Mutex<[[String]]>([])
        let outcome = await ClusterTopologyDiscovery.discover(candidates: [B.address(7000)]) { node, command in
            asked.withLock { $0.append(command) }
            if command == ["CLUSTER", "SHARDS"] { return .error("ERR unknown subcommand 'SHARDS'. Try CLUSTER HELP.") }
            return .array([B.slotsEntry(0...16383, B.slotsNode(B.bulk("127.0.0.1"), port: 7000, id: "a"))])
        }
        #expect(asked.withLock { $0 } == [["CLUSTER", "SHARDS"], ["CLUSTER", "SLOTS"]])
        #expect(outcome.topology?.isComplete == true)
        #expect(outcome.voters == 1)
    }

    @Test("no usable view: no topology, and every node's reason")
    func nothingUsable() async {
        let outcome = await ClusterTopologyDiscovery.discover(candidates: [B.address(7000), B.address(7001)]) { node, _ in
            if node.port == 7000 { return .error("ERR This instance has cluster support disabled") }
            throw ClusterRequestFailure.nodeUnreachable(node)
        }
        #expect(outcome.topology == nil)
        #expect(outcome.voters == 0)
        #expect(outcome.failures[B.address(7000)] == ClusterTopologyError.serverError("ERR This instance has cluster support disabled").description)
        #expect(outcome.failures[B.address(7001)] != nil)
    }

    @Test("once a majority view is in, the other asks are cancelled")
    func stopsWhenDecided() async throws {
        let outcome = await ClusterTopologyDiscovery.discover(candidates: [7000, 7001, 7002, 7003].map { B.address($0) }) { node, _ in
            if node.port == 7003 {
                // A node that never answers: only cancellation ends this ask.
                try await Task.sleep(for: .seconds(600))
            }
            return B.threeShards()
        }
        #expect(outcome.topology?.isComplete == true)
        #expect(outcome.failures.isEmpty || outcome.failures.keys.allSatisfy { $0.port == 7003 })
    }
}
