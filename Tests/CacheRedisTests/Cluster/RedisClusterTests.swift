import Foundation
import Synchronization
@testable import RedisServerSupport
import Testing

@testable import CacheRedis

@Suite("RedisCluster harness: create, parse, reshard, fail over, restart")
struct RedisClusterTests {
    @Test("3 primaries: every slot served, all nodes agree, CLUSTER SHARDS and CLUSTER SLOTS parse to that map")
    func createAndParse() async throws {
        let cluster = try await RedisCluster.start(options: .init(primaries: 3))
        defer { cluster.cleanUp() }
        let layout = try await cluster.layout()
        #expect(layout.primaries.count == 3)
        #expect(layout.primaries.keys.map { layout.slotCount(of: $0) }.reduce(0, +) == 16384)
        #expect(layout.replicaOf.isEmpty)

        for (number, server) in cluster.servers.enumerated() {
            let asked = ClusterNodeAddress(host: "127.0.0.1", port: cluster.announcedPorts[number])
            let shards = try ClusterTopology(
                clusterShardsReply: RedisReply(try #require(RawRedisReply(try await server.command(["CLUSTER", "SHARDS"])))),
                askedNode: asked)
            let slots = try ClusterTopology(
                clusterSlotsReply: RedisReply(try #require(RawRedisReply(try await server.command(["CLUSTER", "SLOTS"])))),
                askedNode: asked)
            #expect(shards.isComplete && slots.isComplete)
            #expect(shards.layout == slots.layout)
            for slot in stride(from: 0, to: 16384, by: 97) {
                let owner = try #require(layout.primary(ofSlot: slot))
                #expect(shards.primary(for: try #require(ClusterSlot(slot)))?.port == cluster.announcedPorts[owner])
            }
        }
        // The nodes' own routing agrees with ours: each key is accepted by the primary we pick.
        var client = ClusterTestClient(cluster: cluster)
        for index in 0..<300 {
            let reply = try await client.execute(["SET", "key:\(index)", "value:\(index)"], key: "key:\(index)")
            #expect(reply == .status("OK"))
        }
        #expect(client.counts.moved == 0)
        #expect(client.counts.ask == 0)
    }

    @Test("moving slots while requests run: clients see ASK then MOVED, and every answer is right")
    func reshardUnderTraffic() async throws {
        let cluster = try await RedisCluster.start(options: .init(primaries: 3))
        defer { cluster.cleanUp() }
        let (source, target, moving) = try ClusterTestKeys.reshardingPlan(try await cluster.layout(), count: 40)
        // Keys of the slots that will move, so the traffic meets the migration.
        let keys = ClusterTestKeys.keys("reshard:", count: 200, inSlots: moving)
        var client = ClusterTestClient(cluster: cluster)
        var expected: [String: String] = [:]
        for key in keys {
            _ = try await client.execute(["SET", key, "v0:\(key)"], key: key)
            expected[key] = "v0:\(key)"
        }

        let done = DoneFlag()
        let move = Task {
            defer { done.set() }
            return try await cluster.moveSlots(40, from: source, to: target, holdingEachSlot: .milliseconds(30))
        }
        var wrong: [String] = []
        var requests = 0
        var round = 0
        while true {
            let finished = done.isSet
            for key in keys.shuffled().prefix(20) {
                requests += 1
                if requests.isMultiple(of: 4) {
                    let value = "v\(round):\(key)"
                    #expect(try await client.execute(["SET", key, value], key: key) == .status("OK"))
                    expected[key] = value
                } else {
                    let reply = try await client.execute(["GET", key], key: key)
                    if reply != .bulk(expected[key]) { wrong.append("\(key): \(reply)") }
                }
            }
            round += 1
            if finished { break }
        }
        let moved = try await move.value
        #expect(Set(moved) == moving)
        #expect(wrong.isEmpty, "\(wrong.prefix(5))")
        #expect(client.counts.ask > 0)
        #expect(client.counts.moved > 0)
        let after = try await cluster.layout()
        for slot in moving { #expect(after.primary(ofSlot: slot) == target) }
        // One more pass may still meet a MOVED for slots moved after the last refresh; after it the map has
        // caught up, and the moved slots route without a hop.
        for key in keys { #expect(try await client.execute(["GET", key], key: key) == .bulk(expected[key])) }
        let movedCount = client.counts.moved
        for key in keys { #expect(try await client.execute(["GET", key], key: key) == .bulk(expected[key])) }
        #expect(client.counts.moved == movedCount)
    }
}

/// A flag one task sets and another polls.
final class DoneFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}

@Suite("RedisCluster harness with replicas: failover and restart")
struct RedisClusterFailoverTests {
    @Test("killing a primary promotes its replica; the state machine finds it and the data; the old primary rejoins as replica")
    func failoverAndRestart() async throws {
        let cluster = try await RedisCluster.start(options: .init(primaries: 3, replicasPerPrimary: 1))
        defer { cluster.cleanUp() }
        let layout = try await cluster.layout()
        #expect(layout.primaries.count == 3)
        #expect(layout.replicaOf.count == 3)
        let victim = try #require(layout.primary(ofSlot: 0))
        let replica = try #require(layout.replicas(of: victim).first)

        var client = ClusterTestClient(cluster: cluster)
        let keys = (0..<300).map { "failover:\($0)" }.filter { layout.primary(ofSlot: ClusterSlot(key: $0).index) == victim }
        for key in keys {
            #expect(try await client.execute(["SET", key, "value-\(key)"], key: key) == .status("OK"))
        }
        // The writes must have reached the replica before the crash, or the failover loses them. Not `WAIT 1` on a
        // harness connection: it wrote nothing, so WAIT answered 1 at once whatever the replica had received, and
        // on a loaded machine the crash took the unreceived tail (every key) with it.
        try await cluster.waitUntilReplicated(primary: victim)
        #expect(try await cluster.servers[replica].command(["DBSIZE"]) == ":\(keys.count)\r\n")

        let promoted = try await cluster.failOver(primary: victim)
        #expect(promoted == replica)
        let after = try await cluster.layout()
        #expect(after.primary(ofSlot: 0) == promoted)
        #expect(after.failing.contains(victim))

        // The client still routes slot 0 to the dead node: that request fails, orders a refresh, and the
        // next one goes to the promoted replica, which has the data.
        let key = try #require(keys.first)
        await #expect(throws: ClusterRequestFailure.self) { try await client.execute(["GET", key], key: key) }
        #expect(client.counts.unreachable == 1)
        for key in keys {
            let reply = try await client.execute(["GET", key], key: key)
            #expect(reply == .bulk("value-\(key)"), "\(key): \(reply), map: \(String(describing: client.state.topology?.primaries))")
        }
        #expect(client.state.topology?.primary(for: ClusterSlot(key: key))?.port == cluster.announcedPorts[promoted])

        try await cluster.restart(node: victim)
        let rejoined = try await cluster.layout()
        #expect(rejoined.replicaOf[victim] == promoted)
        #expect(rejoined.failing.isEmpty)
    }

    @Test("WAIT on a connection that wrote nothing proves nothing; waitUntilReplicated waits for the replica's offset")
    func replicationWaitSeesAFrozenReplica() async throws {
        let cluster = try await RedisCluster.start(options: .init(primaries: 3, replicasPerPrimary: 1))
        defer { cluster.cleanUp() }
        let layout = try await cluster.layout()
        let primary = try #require(layout.primary(ofSlot: 0))
        let replica = try #require(layout.replicas(of: primary).first)
        let key = try #require((0..<1000).map { "frozen:\($0)" }.first { layout.primary(ofSlot: ClusterSlot(key: $0).index) == primary })

        cluster.servers[replica].setFrozen(true)
        #expect(try await cluster.servers[primary].command(["SET", key, "v"]) == "+OK\r\n")
        // The replica cannot have received the write (it is stopped), yet WAIT from another connection counts it.
        #expect(try await cluster.servers[primary].command(["WAIT", "1", "100"]) == ":1\r\n")
        await #expect(throws: RedisCluster.ClusterError.self) {
            try await cluster.waitUntilReplicated(primary: primary, timeout: .milliseconds(300))
        }
        cluster.servers[replica].setFrozen(false)
        try await cluster.waitUntilReplicated(primary: primary)
        #expect(try await cluster.servers[replica].command(["DBSIZE"]) == ":1\r\n")
    }

    @Test("a primary lost without a replica: its slots answer CLUSTERDOWN, retried within the deadline, then given up")
    func clusterDown() async throws {
        let cluster = try await RedisCluster.start(options: .init(primaries: 3))
        defer { cluster.cleanUp() }
        let layout = try await cluster.layout()
        let victim = try #require(layout.primary(ofSlot: 0))
        let survivor = try #require(layout.primary(ofSlot: 16383))
        var client = ClusterTestClient(cluster: cluster)
        _ = try await client.execute(["SET", "{a}", "1"], key: "{a}")

        await cluster.kill(node: victim)
        // With full coverage required (the default), the survivors stop serving once they mark it failed.
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if try await cluster.bulkText(cluster.servers[survivor], ["CLUSTER", "INFO"]).contains("cluster_state:fail") { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let key = try #require((0..<1000).map { "down:\($0)" }.first { layout.primary(ofSlot: ClusterSlot(key: $0).index) == survivor })
        await #expect(throws: ClusterRequestFailure.retriesExhausted(.clusterDown("CLUSTERDOWN The cluster is down"))) {
            try await client.execute(["GET", key], key: key, timeout: .seconds(5))
        }
        #expect(client.counts.retries == 4)
        // A deadline too short for the next backoff ends the request early instead.
        await #expect(throws: ClusterRequestFailure.deadlineExceeded) {
            try await client.execute(["GET", key], key: key, timeout: .milliseconds(25))
        }
    }

    @Test("cleanUp stops every node and removes every directory")
    func cleanUp() async throws {
        let cluster = try await RedisCluster.start(options: .init(primaries: 3))
        let directories = cluster.servers.map(\.directory)
        #expect(cluster.servers.allSatisfy { $0.isRunning })
        cluster.cleanUp()
        #expect(cluster.servers.allSatisfy { !$0.isRunning })
        #expect(directories.allSatisfy { !FileManager.default.fileExists(atPath: $0.path) })
        #expect(!FileManager.default.fileExists(atPath: cluster.configDirectory.path))
    }

    @Test("fewer than 3 primaries is refused with a clear error")
    func tooSmall() async {
        await #expect(throws: RedisCluster.ClusterError.self) { try await RedisCluster.start(options: .init(primaries: 2)) }
    }
}
