import CacheCore
import Foundation
import Logging
import MetricsTestKit
import PersistentCache
import RedisServerSupport
import Testing

@testable import CacheRedis

/// The cluster tier over TLS against one real TLS-only cluster shared by the suite (3 primaries on `--tls-port`
/// with `--port 0`, `tls-cluster` and `tls-replication` on, certificates from a throw-away CA): `rediss://` URLs
/// naming one node, detected or forced with `cluster=true`; `MOVED` after a slot move; a wrong CA. Each test
/// uses its own key namespace.
@Suite("Redis Cluster over TLS", .sharedRedisCluster(.init(primaries: 3, tls: true)))
struct ClusterTLSTests {
    static let logger = RedisClusterStoreTests.logger

    static func certificates(sourceLocation: SourceLocation = #_sourceLocation) throws -> TLSTestCertificates {
        try #require(try SharedRedisCluster.require().tlsCertificates, "the suite's cluster is a TLS one", sourceLocation: sourceLocation)
    }

    /// How many of `keys` each node holds, by the nodes' own account (a node answers `MOVED` for the others).
    static func keysPerNode(_ cluster: RedisCluster, _ keys: [String]) async throws -> [Int] {
        var counts: [Int] = []
        for server in cluster.servers {
            let replies = try await server.commands(keys.map { ["EXISTS", $0] }).compactMap(RawRedisReply.init)
            counts.append(replies.filter { $0 == .integer(1) }.count)
        }
        return counts
    }

    @Test("KV_URL=rediss://<one node>?ssl_ca_certs=…: detected (or forced) cluster; hits and misses; keys on every primary",
          arguments: ["", "&cluster=true"])
    func fromEnvironmentOverTLS(query: String) async throws {
        let cluster = try SharedRedisCluster.require()
        let url = cluster.url(node: 1) + query
        #expect(url.hasPrefix("rediss://"))
        // A TLS-only node's own URL is a rediss:// one with the CA.
        #expect(try RedisEndpoint(url: cluster.servers[1].url).tls != nil)
        let namespace = query.isEmpty ? "tlsauto" : "tlsforced"
        let configuration = CacheConfiguration(namespace: namespace)
        let writer = TieredCache.fromEnvironment(["KV_URL": url], configuration: configuration, logger: Self.logger)
        let reader = TieredCache.fromEnvironment(["KV_URL": url], configuration: configuration, logger: Self.logger)
        #expect(await reader.lookup("never stored").entry == nil)
        await writer.setAnswers("question", count: 90)
        await reader.expectKVHits("question", count: 90)
        #expect(writer.mode == "redis-cluster")
        #expect(reader.mode == "redis-cluster")
        #expect(writer.statistics().kvErrorsByClass.isEmpty, "\(writer.statistics().kvErrorsByClass)")
        #expect(reader.statistics().kvErrorsByClass.isEmpty, "\(reader.statistics().kvErrorsByClass)")
        // 90 keys over 3 primaries: about 30 each, every primary some.
        let perNode = try await Self.keysPerNode(cluster, (0..<90).map { "\(namespace):question \($0)" })
        #expect(perNode.reduce(0, +) == 90, "\(perNode)")
        #expect(perNode.allSatisfy { $0 >= 10 }, "keys per primary: \(perNode)")
        await writer.shutdown()
        await reader.shutdown()
    }

    @Test("MOVED after a slot move over TLS: the store follows it, every value right, the new owner serves")
    func movedAfterSlotMove() async throws {
        let cluster = try SharedRedisCluster.require()
        let (source, target, moving) = try ClusterTestKeys.reshardingPlan(try await cluster.layout(), count: 20)
        let keys = ClusterTestKeys.keys("tlsmove:", count: 60, inSlots: moving)
        let metrics = TestMetrics()
        let store = RedisClusterStore(
            seeds: [try RedisEndpoint(url: cluster.url(node: 0))], metricsFactory: metrics, logger: Self.logger)
        for key in keys {
            try await store.set(key, value: Array("v:\(key)".utf8), ttl: .seconds(600), deadline: RedisClusterStoreTests.deadline())
        }
        // MIGRATE runs node to node over TLS under tls-cluster.
        let moved = try await cluster.moveSlots(20, from: source, to: target, slotsPerStep: 20)
        #expect(Set(moved) == moving)
        for key in keys {
            #expect(try await store.get(key, deadline: RedisClusterStoreTests.deadline()) == Array("v:\(key)".utf8))
        }
        let movedRedirections = metrics.counters(label: "cache_kv_cluster_redirections_total", dimensions: [("kind", "moved")])
            .reduce(0) { $0 + $1.totalValue }
        #expect(movedRedirections > 0)
        #expect((store.nodeRequestCounts()["127.0.0.1:\(cluster.announcedPorts[target])"] ?? 0) > 0)
        let perNode = try await Self.keysPerNode(cluster, keys)
        #expect(perNode[target] == keys.count, "keys per node after the move: \(perNode)")
        await store.shutdown()
    }

    @Test("a wrong CA: a classified tls error, answers from memory within the deadline", arguments: ["", "&cluster=true"])
    func wrongCA(query: String) async throws {
        let cluster = try SharedRedisCluster.require()
        let certificates = try Self.certificates()
        let url = "rediss://127.0.0.1:\(cluster.announcedPorts[0])?ssl_ca_certs=\(certificates.otherCAPath)\(query)"
        let kvDeadline = Duration.seconds(1)
        let configuration = CacheConfiguration(namespace: "tlswrong", kvDeadline: kvDeadline)
        let cache = TieredCache.fromEnvironment(["KV_URL": url], configuration: configuration, logger: RedisStoreTestSupport.quietLogger)
        await cache.set("q", CacheEntry(text: "from memory", source: .kb))
        let started = ContinuousClock.now
        let found = await cache.lookup("q")
        let elapsed = ContinuousClock.now - started
        #expect(found.tier == .memory)
        #expect(found.entry?.text == "from memory")
        #expect(await cache.lookup("never stored").entry == nil)
        // The deadline bounds the wait (with room for a loaded machine); it is no speed claim.
        #expect(elapsed < kvDeadline + .seconds(2), "a lookup took \(elapsed)")
        await cache.waitForBackgroundWrites()
        let errors = cache.statistics().kvErrorsByClass
        #expect((errors["tls"] ?? 0) >= 1, "\(errors)")
        // Never hidden behind connection_refused; a timeout only if a loaded machine let the first discovery
        // outlast a lookup's deadline.
        #expect(Set(errors.keys).isSubset(of: ["tls", "circuit_open", "timeout"]), "\(errors)")
        await cache.shutdown()
    }
}
