import Testing

@testable import CacheRedis

@Suite("Cluster topology: CLUSTER SHARDS / CLUSTER SLOTS replies and the slot map")
struct ClusterTopologyTests {
    typealias B = ClusterReplyBuilders
    private let asked = B.address(7000)

    @Test("CLUSTER SHARDS: every slot routes to its primary in one lookup")
    func shards() throws {
        let topology = try ClusterTopology(clusterShardsReply: B.threeShards(replicas: 1), askedNode: asked)
        #expect(topology.isComplete)
        #expect(topology.coveredSlotCount == 16384)
        #expect(topology.primary(for: B.slot(0)) == B.address(7000))
        #expect(topology.primary(for: B.slot(5460)) == B.address(7000))
        #expect(topology.primary(for: B.slot(5461)) == B.address(7001))
        #expect(topology.primary(for: B.slot(16383)) == B.address(7002))
        #expect(topology.primaries == [B.address(7000), B.address(7001), B.address(7002)])
        #expect(topology.allNodes == [7000, 7001, 7002, 7100, 7110, 7120].map { B.address($0) })
        #expect(topology.shards[1].replicas.map(\.id) == ["r10"])
        #expect(topology.shards[0].primary.id == "p0")
    }

    @Test("CLUSTER SHARDS during a failover: the online primary wins, the failed one is listed as a replica")
    func failoverView() throws {
        let reply = RedisReply.array([
            B.shard(slots: [0...16383], nodes: [
                B.shardNode(id: "old", port: 7000, health: "failed"),
                B.shardNode(id: "new", port: 7100),
            ])
        ])
        let topology = try ClusterTopology(clusterShardsReply: reply, askedNode: asked)
        #expect(topology.primary(for: B.slot(42)) == B.address(7100))
        #expect(topology.shards[0].replicas.map(\.id) == ["old"])
        #expect(topology.shards[0].replicas.first?.health == .failed)

        let twoOnline = RedisReply.array([
            B.shard(slots: [0...16383], nodes: [B.shardNode(id: "a", port: 7000), B.shardNode(id: "b", port: 7100)])
        ])
        #expect(throws: ClusterTopologyError.self) { try ClusterTopology(clusterShardsReply: twoOnline, askedNode: asked) }
    }

    @Test("CLUSTER SHARDS endpoints: ip when the endpoint is empty, the asked node's host when both are, none for `?`")
    func endpoints() throws {
        let reply = RedisReply.array([
            B.shard(slots: [0...99], nodes: [B.shardNode(id: "a", endpoint: "", ip: "10.1.1.1", port: 7000)]),
            B.shard(slots: [100...199], nodes: [B.shardNode(id: "b", endpoint: "", ip: "", port: 7001)]),
            B.shard(slots: [200...16383], nodes: [B.shardNode(id: "c", endpoint: "?", ip: "", port: 7002)]),
        ])
        let topology = try ClusterTopology(clusterShardsReply: reply, askedNode: B.address(7005, host: "node-5"))
        #expect(topology.primary(for: B.slot(0)) == B.address(7000, host: "10.1.1.1"))
        #expect(topology.primary(for: B.slot(150)) == B.address(7001, host: "node-5"))
        // The unknown endpoint's slots stay uncovered rather than routed to a guess: usable, but not ok.
        #expect(topology.primary(for: B.slot(200)) == nil)
        #expect(!topology.isComplete)
        #expect(topology.coveredSlotCount == 200)
    }

    @Test("CLUSTER SHARDS over TLS uses tls-port")
    func tlsPort() throws {
        let reply = RedisReply.array([B.shard(slots: [0...16383], nodes: [B.shardNode(id: "a", port: 7000, tlsPort: 8000)])])
        #expect(try ClusterTopology(clusterShardsReply: reply, askedNode: asked, tls: true).primary(for: B.slot(1)) == B.address(8000))
        #expect(try ClusterTopology(clusterShardsReply: reply, askedNode: asked, tls: false).primary(for: B.slot(1)) == B.address(7000))
    }

    @Test("error replies and malformed shapes are errors, never a map")
    func errors() {
        #expect(throws: ClusterTopologyError.serverError("ERR This instance has cluster support disabled")) {
            try ClusterTopology(clusterShardsReply: .error("ERR This instance has cluster support disabled"), askedNode: asked)
        }
        #expect(throws: ClusterTopologyError.self) { try ClusterTopology(clusterShardsReply: .integer(3), askedNode: asked) }
        #expect(throws: ClusterTopologyError.self) {
            try ClusterTopology(clusterShardsReply: .array([.array([B.bulk("slots"), .array([.integer(1)]), B.bulk("nodes"), .array([])])]), askedNode: asked)
        }
        let overlapping = RedisReply.array([
            B.shard(slots: [0...100], nodes: [B.shardNode(id: "a", port: 7000)]),
            B.shard(slots: [100...16383], nodes: [B.shardNode(id: "b", port: 7001)]),
        ])
        #expect(throws: ClusterTopologyError.self) { try ClusterTopology(clusterShardsReply: overlapping, askedNode: asked) }
        let outside = RedisReply.array([B.shard(slots: [0...16384], nodes: [B.shardNode(id: "a", port: 7000)])])
        #expect(throws: ClusterTopologyError.self) { try ClusterTopology(clusterShardsReply: outside, askedNode: asked) }
    }

    @Test("CLUSTER SLOTS: a primary's several ranges make one shard; a null endpoint is the asked node")
    func slots() throws {
        let reply = RedisReply.array([
            B.slotsEntry(0...5460, B.slotsNode(B.bulk("127.0.0.1"), port: 7000, id: "a"), B.slotsNode(B.bulk("127.0.0.1"), port: 7100, id: "ar")),
            B.slotsEntry(5461...10922, B.slotsNode(.null, port: 7001, id: "b")),
            B.slotsEntry(10923...16000, B.slotsNode(B.bulk("127.0.0.1"), port: 7002, id: "c")),
            B.slotsEntry(16001...16383, B.slotsNode(B.bulk("127.0.0.1"), port: 7000, id: "a"), B.slotsNode(B.bulk("?"), port: 7101, id: "x")),
        ])
        let topology = try ClusterTopology(clusterSlotsReply: reply, askedNode: B.address(7009, host: "seed"))
        #expect(topology.isComplete)
        #expect(topology.shards.count == 3)
        #expect(topology.shards[0].slotRanges == [0...5460, 16001...16383])
        #expect(topology.shards[0].replicas.map(\.address) == [B.address(7100)])
        #expect(topology.primary(for: B.slot(6000)) == B.address(7001, host: "seed"))
        #expect(topology.primary(for: B.slot(16383)) == B.address(7000))
        #expect(throws: ClusterTopologyError.self) {
            try ClusterTopology(clusterSlotsReply: .array([.array([.integer(5), .integer(1), B.slotsNode(B.bulk("h"), port: 1, id: "a")])]), askedNode: asked)
        }
    }

    @Test("a MOVED moves one slot: to a known primary, or to a new node that gets a shard of its own")
    func assign() throws {
        var topology = try ClusterTopology(clusterShardsReply: B.threeShards(), askedNode: asked)
        topology.assign(B.slot(100), to: B.address(7001))
        #expect(topology.primary(for: B.slot(100)) == B.address(7001))
        #expect(topology.primary(for: B.slot(99)) == B.address(7000))
        #expect(topology.shards[0].slotRanges == [0...99, 101...5460])
        #expect(topology.shards[1].slotRanges == [100...100, 5461...10922])

        topology.assign(B.slot(0), to: B.address(7300))
        #expect(topology.primary(for: B.slot(0)) == B.address(7300))
        #expect(topology.shards.count == 4)
        topology.assign(B.slot(1), to: B.address(7300))
        #expect(topology.shards.count == 4)
        #expect(topology.shards[3].slotRanges == [0...1])
        #expect(topology.isComplete)
    }

    @Test("a MOVED into an uncovered slot covers it")
    func assignUncovered() throws {
        var topology = try ClusterTopology(shards: [
            ClusterShard(primary: ClusterNode(id: "a", address: B.address(7000)), slotRanges: [0...16382])
        ])
        #expect(!topology.isComplete)
        #expect(topology.primary(for: B.slot(16383)) == nil)
        topology.assign(B.slot(16383), to: B.address(7000))
        #expect(topology.isComplete)
        #expect(topology.shards[0].slotRanges == [0...16383])
    }
}
