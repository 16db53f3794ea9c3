import Testing

@testable import CacheRedis

/// Replica reads in ``ClusterStateMachine``, without sockets: which node a read goes to, and what happens
/// when that replica cannot serve it.
@Suite("Cluster state machine: replica reads")
struct ClusterStateMachineReplicaReadTests {
    typealias B = ClusterReplyBuilders
    typealias Machine = ClusterStateMachine

    private let t0 = ContinuousClock.now

    /// Primaries 7000–7002; shard 0 (slots 0–5460, primary 7000) has replicas 7100 and 7101.
    private func machine(
        replicas: Int = 2, reply: RedisReply? = nil, _ configure: (inout Machine.Configuration) -> Void = { _ in }
    ) throws -> Machine {
        var configuration = Machine.Configuration()
        configure(&configuration)
        let topology = try ClusterTopology(clusterShardsReply: reply ?? B.threeShards(replicas: replicas), askedNode: B.address(7000))
        return Machine(topology: topology, seeds: [B.address(7000)], configuration: configuration, now: t0 - .seconds(1))
    }

    private func read(slot: Int = 100, deadline: Duration = .seconds(2)) -> ClusterRequest {
        ClusterRequest(slot: B.slot(slot), deadline: t0 + deadline, readFromReplica: true)
    }

    @Test("a replica read goes to the slot's replicas in turn; any other request to the primary")
    func roundRobin() throws {
        var state = try machine()
        var targets: [ClusterNodeAddress] = []
        for _ in 0..<4 {
            var request = read()
            guard case .send(let node, asking: false) = state.route(&request, now: t0).action else {
                Issue.record("a replica read was not sent")
                return
            }
            #expect(request.replica == node)
            targets.append(node)
        }
        #expect(Set(targets) == [B.address(7100), B.address(7101)])
        #expect(targets[0] != targets[1] && targets[0] == targets[2], "round robin: \(targets)")
        // Slot 6000 is shard 1's (replicas 7110, 7111).
        var other = read(slot: 6000)
        #expect([B.address(7110), B.address(7111)].contains(route(&state, &other)))
        var write = ClusterRequest(slot: B.slot(100), deadline: t0 + .seconds(2))
        #expect(route(&state, &write) == B.address(7000))
        #expect(write.replica == nil)
    }

    @Test("a shard without replicas, or whose replicas are failed, serves reads from its primary; a loading one still reads")
    func noUsableReplica() throws {
        var bare = try machine(replicas: 0)
        var request = read()
        #expect(route(&bare, &request) == B.address(7000))
        #expect(request.replica == nil)

        let ranges = [0...5460, 5461...10922, 10923...16383]
        let unhealthy = RedisReply.array(ranges.enumerated().map { index, range in
            B.shard(slots: [range], nodes: [
                B.shardNode(id: "p\(index)", port: 7000 + index),
                B.shardNode(id: "f\(index)", port: 7100 + 10 * index, role: "replica", health: "failed"),
                B.shardNode(id: "g\(index)", port: 7101 + 10 * index, role: "replica", health: "fail"),
            ])
        })
        var sick = try machine(reply: unhealthy)
        var sickRead = read()
        #expect(route(&sick, &sickRead) == B.address(7000))
        // Redis says "loading" for a healthy replica whose offset is still 0 (no write yet): it is tried, and
        // a replica really loading answers -LOADING, which the store reports like a failure.
        let loading = RedisReply.array(ranges.enumerated().map { index, range in
            B.shard(slots: [range], nodes: [
                B.shardNode(id: "p\(index)", port: 7000 + index),
                B.shardNode(id: "l\(index)", port: 7100 + 10 * index, role: "replica", health: "loading"),
            ])
        })
        var fresh = try machine(reply: loading)
        var freshRead = read()
        #expect(route(&fresh, &freshRead) == B.address(7100))
    }

    @Test("a replica that cannot be reached: the read goes to the primary at once, and the replica rests a while")
    func replicaDown() throws {
        var state = try machine(replicas: 1) { $0.replicaRetryAfter = .milliseconds(500) }
        var request = read()
        #expect(route(&state, &request) == B.address(7100))
        let decision = state.connectionFailed(&request, node: B.address(7100), now: t0 + .milliseconds(1))
        #expect(decision.action == .send(to: B.address(7000), asking: false))
        #expect(decision.refresh != nil, "a node that vanished is worth a refresh")
        #expect(request.replica == nil)
        // The primary failing too fails the request, as any request.
        #expect(state.connectionFailed(&request, node: B.address(7000), now: t0 + .milliseconds(2)).action
            == .fail(.nodeUnreachable(B.address(7000))))
        // While it rests, reads of its shard go to the primary; other shards keep their replicas.
        var during = read()
        #expect(route(&state, &during, now: t0 + .milliseconds(499)) == B.address(7000))
        var elsewhere = read(slot: 6000)
        #expect(route(&state, &elsewhere, now: t0 + .milliseconds(499)) == B.address(7110))
        var after = read(deadline: .seconds(3))
        #expect(route(&state, &after, now: t0 + .milliseconds(501)) == B.address(7100))
    }

    @Test("with two replicas, the one still up takes the reads while the other rests")
    func otherReplicaTakesOver() throws {
        var state = try machine(replicas: 2)
        var request = read()
        let first = try #require(route(&state, &request))
        _ = state.connectionFailed(&request, node: first, now: t0)
        let survivor = first == B.address(7100) ? B.address(7101) : B.address(7100)
        for _ in 0..<3 {
            var next = read()
            #expect(route(&state, &next, now: t0 + .milliseconds(1)) == survivor)
        }
    }

    @Test("a replica read past its deadline fails instead of trying the primary")
    func replicaDownPastDeadline() throws {
        var state = try machine(replicas: 1)
        var request = read(deadline: .milliseconds(10))
        #expect(route(&state, &request) == B.address(7100))
        #expect(state.connectionFailed(&request, node: B.address(7100), now: t0 + .milliseconds(10)).action == .fail(.deadlineExceeded))
    }

    @Test("MOVED from a replica is handled as from a primary: the map learns it and the read follows it")
    func movedFromReplica() throws {
        var state = try machine(replicas: 1)
        var request = read()
        #expect(route(&state, &request) == B.address(7100))
        let decision = state.replyReceived(&request, redirection: .moved(slot: B.slot(100), to: B.address(7001)), now: t0)
        #expect(decision.action == .send(to: B.address(7001), asking: false))
        #expect(request.replica == nil)
        #expect(state.topology?.primary(for: B.slot(100)) == B.address(7001))
        // Slot 100 now belongs to shard 1, whose replica serves the next read.
        var next = read()
        #expect(route(&state, &next) == B.address(7110))
    }

    private func route(_ state: inout Machine, _ request: inout ClusterRequest, now: ContinuousClock.Instant? = nil) -> ClusterNodeAddress? {
        guard case .send(let node, _) = state.route(&request, now: now ?? t0).action else { return nil }
        return node
    }
}
