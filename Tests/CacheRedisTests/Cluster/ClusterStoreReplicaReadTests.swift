import CacheCore
import Foundation
import Logging
import PersistentCache
import RedisServerSupport
import Testing

@testable import CacheRedis

/// Replica reads (`read_from_replicas`) against a real cluster with one replica per primary. What each node
/// served is read from the node itself (`INFO commandstats`, reset before each test), so the suite runs its
/// tests one after the other on its shared cluster.
@Suite(
    "RedisClusterStore reading from replicas", .serialized,
    .sharedRedisCluster(.init(primaries: 3, replicasPerPrimary: 1)))
struct ClusterStoreReplicaReadTests {
    typealias Support = ClusterReplicaReadSupport

    @Test("without the switch no read reaches a replica")
    func offByDefault() async throws {
        let cluster = try SharedRedisCluster.require()
        let roles = try await Support.resetAndRoles(cluster)
        let store = RedisClusterStore(seeds: [RedisClusterStoreTests.seed(cluster, node: 0)], logger: RedisClusterStoreTests.logger)
        let keys = try await Support.writeReplicated("off:", count: 120, store: store, cluster: cluster)
        try await Support.expectValues(keys, store: store)
        for replica in roles.replicas {
            #expect(try await Support.reads(on: cluster.servers[replica]) == 0, "replica \(replica) served reads")
        }
        let onPrimaries = try await roles.primaries.asyncSum { try await Support.reads(on: cluster.servers[$0]) }
        #expect(onPrimaries == keys.count)
        let replicaAddresses = Set(roles.replicas.map { Support.address(cluster, $0) })
        #expect(store.nodeRequestCounts().keys.allSatisfy { !replicaAddresses.contains($0) }, "\(store.nodeRequestCounts())")
        await store.shutdown()
    }

    @Test("with RedisStore.Configuration.readFromReplicas reads go to the replicas (GET and GETRANGE); writes, scans, deletes and locks stay on primaries")
    func configurationSwitch() async throws {
        let cluster = try SharedRedisCluster.require()
        let roles = try await Support.resetAndRoles(cluster)
        let store = Support.replicaReadingStore(cluster)
        let keys = try await Support.writeReplicated("on:", count: 150, store: store, cluster: cluster)
        try await Support.expectValues(keys, store: store)
        // The cache's own reads are bounded (GETRANGE): the same path.
        for key in keys.prefix(30) {
            #expect(try await store.get(key, maximumBytes: 1024, verify: nil, deadline: RedisClusterStoreTests.deadline()) == Support.value(key))
        }
        #expect(try await store.get("on:never-written", deadline: RedisClusterStoreTests.deadline()) == nil)
        let readCount = keys.count + 30 + 1
        for primary in roles.primaries {
            #expect(try await Support.reads(on: cluster.servers[primary]) == 0, "primary \(primary) served reads")
        }

        // Unkeyed and writing calls: primaries only (the lock release script's own GET runs on the primary).
        #expect(try await RedisClusterStoreTests.scanAll(store, match: "on:*") == Set(keys))
        #expect(try await store.acquireLock("on:{lock}", token: "t", ttl: .seconds(5), deadline: RedisClusterStoreTests.deadline()))
        #expect(try await store.releaseLock("on:{lock}", token: "t", deadline: RedisClusterStoreTests.deadline()))
        try await store.ping(deadline: RedisClusterStoreTests.deadline())

        var servedByReplicas = 0
        for replica in roles.replicas {
            let served = try await Support.reads(on: cluster.servers[replica])
            #expect(served > 20, "replica \(replica) served \(served) of \(readCount) reads")
            servedByReplicas += served
            // Sequential reads: READONLY went once on the replica's one connection.
            #expect(try await Support.calls("readonly", on: cluster.servers[replica]) == 1)
        }
        #expect(servedByReplicas == readCount)
        // The store's own per-node counts agree: replicas were sent the reads and nothing else.
        let counts = store.nodeRequestCounts()
        let replicaRequests = roles.replicas.reduce(0) { $0 + (counts[Support.address(cluster, $1)] ?? 0) }
        #expect(replicaRequests == readCount, "\(counts)")
        let deleted = try await store.delete(keys.map { Array($0.utf8) }, deadline: RedisClusterStoreTests.deadline())
        #expect(deleted == keys.count)
        #expect(roles.replicas.reduce(0) { $0 + (store.nodeRequestCounts()[Support.address(cluster, $1)] ?? 0) } == readCount)
        await store.shutdown()
    }

    @Test(
        "read_from_replicas=true in KV_URL: the cache's KV hits come from replicas, detected or forced cluster",
        arguments: ["?read_from_replicas=true", "?cluster=true&read_from_replicas=true"])
    func urlParameter(query: String) async throws {
        let cluster = try SharedRedisCluster.require()
        let roles = try await Support.resetAndRoles(cluster)
        let namespace = query.contains("cluster") ? "urlforced" : "urlauto"
        let environment = ["KV_URL": "redis://127.0.0.1:\(cluster.announcedPorts[1])\(query)"]
        let configuration = CacheConfiguration(namespace: namespace)
        let writer = TieredCache.fromEnvironment(environment, configuration: configuration, logger: RedisClusterStoreTests.logger)
        await writer.setAnswers("question", count: 60)
        for primary in roles.primaries { try await cluster.waitUntilReplicated(primary: primary) }
        let reader = TieredCache.fromEnvironment(environment, configuration: configuration, logger: RedisClusterStoreTests.logger)
        // Until the detecting store has seen the cluster, a read goes to the seed node as to one server:
        // counted from the switch on.
        let switched = ContinuousClock.now + .seconds(10)
        while reader.mode != "redis-cluster" && ContinuousClock.now < switched {
            _ = await reader.lookup("warm-up")
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Support.resetStatistics(cluster)
        await reader.expectKVHits("question", count: 60)
        #expect(reader.mode == "redis-cluster")
        #expect(reader.statistics().kvErrorsByClass.isEmpty, "\(reader.statistics().kvErrorsByClass)")
        let onReplicas = try await roles.replicas.asyncSum { try await Support.reads(on: cluster.servers[$0]) }
        let onPrimaries = try await roles.primaries.asyncSum { try await Support.reads(on: cluster.servers[$0]) }
        #expect(onReplicas == 60)
        #expect(onPrimaries == 0)
        await writer.shutdown()
        await reader.shutdown()
    }
}

/// A replica that dies under replica reads: each test kills a node, so each starts its own cluster.
@Suite("RedisClusterStore reading from replicas while a replica dies")
struct ClusterStoreReplicaReadFailureTests {
    typealias Support = ClusterReplicaReadSupport

    @Test("a killed replica: every read is still answered, by its primary, and the other replicas keep serving")
    func killedReplica() async throws {
        let cluster = try await RedisCluster.start(options: .init(primaries: 3, replicasPerPrimary: 1))
        defer { cluster.cleanUp() }
        let roles = try await Support.resetAndRoles(cluster)
        let store = Support.replicaReadingStore(cluster)
        let keys = try await Support.writeReplicated("kill:", count: 150, store: store, cluster: cluster)
        try await Support.expectValues(keys, store: store)
        let victim = try #require(roles.replicas.first)
        let layout = try await cluster.layout()
        let victimPrimary = try #require(layout.replicaOf[victim])
        let primaryBefore = store.nodeRequestCounts()[Support.address(cluster, victimPrimary)] ?? 0
        let victimBefore = store.nodeRequestCounts()[Support.address(cluster, victim)] ?? 0
        #expect(victimBefore > 0)

        await cluster.kill(node: victim)
        // Every read answered with its value (none thrown), right after the kill and for a while after.
        for _ in 0..<3 {
            try await Support.expectValues(keys, store: store)
        }
        let counts = store.nodeRequestCounts()
        // The victim's shard was read from its primary (which served no reads before).
        #expect((counts[Support.address(cluster, victimPrimary)] ?? 0) > primaryBefore + 50, "\(counts)")
        // The victim was tried at most a few times (the first failure sets it aside for a while).
        #expect((counts[Support.address(cluster, victim)] ?? 0) <= victimBefore + 5, "\(counts)")
        for replica in roles.replicas where replica != victim {
            #expect(try await Support.reads(on: cluster.servers[replica]) > 100, "replica \(replica) stopped serving")
        }
        await store.shutdown()
    }
}

/// Helpers for the replica-read suites.
enum ClusterReplicaReadSupport {
    struct Roles {
        var primaries: [Int]
        var replicas: [Int]
    }

    /// Resets every running node's statistics and returns who is primary and who is replica now.
    static func resetAndRoles(_ cluster: RedisCluster) async throws -> Roles {
        try await resetStatistics(cluster)
        let layout = try await cluster.layout()
        let primaries = layout.primaries.keys.sorted()
        let replicas = layout.replicaOf.keys.sorted()
        #expect(primaries.count == 3 && replicas.count == 3, "layout \(layout)")
        return Roles(primaries: primaries, replicas: replicas)
    }

    static func resetStatistics(_ cluster: RedisCluster) async throws {
        for server in cluster.servers where server.isRunning {
            _ = try await server.command(["CONFIG", "RESETSTAT"])
        }
    }

    /// A store seeded with node 0, with ``RedisStore/Configuration/readFromReplicas`` on.
    static func replicaReadingStore(_ cluster: RedisCluster) -> RedisClusterStore {
        var configuration = RedisStore.Configuration()
        configuration.readFromReplicas = true
        return RedisClusterStore(
            seeds: [RedisClusterStoreTests.seed(cluster, node: 0)], configuration: configuration, logger: RedisClusterStoreTests.logger)
    }

    static func address(_ cluster: RedisCluster, _ node: Int) -> String { "127.0.0.1:\(cluster.announcedPorts[node])" }

    static func value(_ key: String) -> [UInt8] { Array("value of \(key)".utf8) }

    /// Writes `count` keys through `store` and waits until every replica has them (replica reads of keys
    /// not yet replicated would be misses: the staleness the switch accepts, not what these tests check).
    static func writeReplicated(_ prefix: String, count: Int, store: RedisClusterStore, cluster: RedisCluster) async throws -> [String] {
        let keys = (0..<count).map { "\(prefix)\($0)" }
        for key in keys {
            try await store.set(key, value: value(key), ttl: .seconds(600), deadline: RedisClusterStoreTests.deadline())
        }
        for primary in try await cluster.layout().primaries.keys { try await cluster.waitUntilReplicated(primary: primary) }
        return keys
    }

    /// Reads every key and expects its own value (a thrown error fails the test).
    static func expectValues(_ keys: [String], store: RedisClusterStore, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        for key in keys {
            let found = try await store.get(key, deadline: RedisClusterStoreTests.deadline(.seconds(2)))
            #expect(found == value(key), "\(key)", sourceLocation: sourceLocation)
        }
    }

    /// Keyed reads the node served (`GET` and `GETRANGE`), from its own `INFO commandstats`.
    static func reads(on server: RedisServer) async throws -> Int {
        try await calls("get", on: server) + calls("getrange", on: server)
    }

    /// `cmdstat_<command>:calls=N` of the node's `INFO commandstats` (0 when the command never ran).
    static func calls(_ command: String, on server: RedisServer) async throws -> Int {
        let text = RawRedisReply(try await server.command(["INFO", "commandstats"]))?.text ?? ""
        let prefix = "cmdstat_\(command):calls="
        for line in text.split(whereSeparator: \.isNewline) where line.hasPrefix(prefix) {
            return Int(line.dropFirst(prefix.count).prefix(while: \.isNumber)) ?? 0
        }
        return 0
    }
}

extension Array {
    /// The sum of an async, throwing transform of each element, in order.
    func asyncSum(_ transform: (Element) async throws -> Int) async rethrows -> Int {
        var total = 0
        for element in self { total += try await transform(element) }
        return total
    }
}
