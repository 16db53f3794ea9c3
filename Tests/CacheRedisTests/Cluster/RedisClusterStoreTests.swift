import CacheCore
import Foundation
import Logging
import MetricsTestKit
import PersistentCache
import RedisServerSupport
import Testing

@testable import CacheRedis

/// ``RedisClusterStore`` and the cluster detection against one real 3-primary cluster shared by the suite
/// (each test uses its own key prefix).
@Suite("RedisClusterStore on a shared cluster", .sharedRedisCluster())
struct RedisClusterStoreTests {
    static let logger: Logger = {
        var logger = Logger(label: "redis-cluster-store-tests")
        logger.logLevel = .warning
        return logger
    }()

    static func seed(_ cluster: RedisCluster, node: Int) -> RedisEndpoint {
        RedisEndpoint(address: .tcp(host: "127.0.0.1", port: cluster.announcedPorts[node]))
    }

    static func deadline(_ duration: Duration = .seconds(5)) -> ContinuousClock.Instant { .now + duration }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// Every key a full scan over the store finds for `pattern`.
    static func scanAll(_ store: some KVStore, match pattern: String) async throws -> Set<String> {
        var found = Set<String>()
        var cursor: UInt64 = 0
        var pages = 0
        repeat {
            let page = try await store.scan(cursor: cursor, match: pattern, count: 50, deadline: deadline())
            found.formUnion(page.keys.map { String(decoding: $0, as: UTF8.self) })
            cursor = page.nextCursor
            pages += 1
        } while cursor != 0 && pages < 100_000
        return found
    }

    @Test("keys spread over 3 primaries: hits, misses, per-node traffic, a scan of every primary, a delete across slots")
    func spreadHitMissScanDelete() async throws {
        let cluster = try SharedRedisCluster.require()
        let metrics = TestMetrics()
        let store = RedisClusterStore(seeds: [Self.seed(cluster, node: 1)], metricsFactory: metrics, logger: Self.logger)
        let keys = (0..<300).map { "spread:\($0)" }
        for key in keys {
            try await store.set(key, value: Self.bytes("value of \(key)"), ttl: .seconds(600), deadline: Self.deadline())
        }
        for key in keys {
            #expect(try await store.get(key, deadline: Self.deadline()) == Self.bytes("value of \(key)"))
        }
        #expect(try await store.get("spread:never-written", deadline: Self.deadline()) == nil)
        try await store.ping(deadline: Self.deadline())

        #expect(store.primaryAddresses().count == 3)
        let counts = store.nodeRequestCounts()
        #expect(counts.count == 3, "requests went to \(counts)")
        #expect(counts.values.allSatisfy { $0 >= 100 }, "300 keys spread evenly put ~200 requests on each node: \(counts)")
        // The discovered map was right from the start: no key needed a redirection.
        #expect(metrics.counters(label: "cache_kv_cluster_redirections_total").reduce(0) { $0 + $1.totalValue } == 0)
        #expect(metrics.counters(label: "cache_kv_cluster_refreshes_total", dimensions: [("result", "ok")]).reduce(0) { $0 + $1.totalValue } >= 1)
        for server in cluster.servers {
            // Each primary holds some of the keys (its own view, not the store's).
            let keysHere = try await server.commands(keys.map { ["EXISTS", $0] }).compactMap(RawRedisReply.init)
                .filter { $0 == .integer(1) }.count
            #expect(keysHere > 50, "a primary holds only \(keysHere) of the 300 keys")
        }

        let found = try await Self.scanAll(store, match: "spread:*")
        #expect(found == Set(keys))
        let deleted = try await store.delete(keys.map(Self.bytes), deadline: Self.deadline())
        #expect(deleted == keys.count)
        #expect(try await Self.scanAll(store, match: "spread:*").isEmpty)
        #expect(try await store.get(keys[0], deadline: Self.deadline()) == nil)
        await store.shutdown()
        let afterShutdown = await RedisStoreTestSupport.expectKVError { () async throws(KVError) in
            _ = try await store.get(keys[0], deadline: Self.deadline())
        }
        #expect(afterShutdown?.code == .shutDown)
    }

    @Test("TieredCache over the cluster: a second instance reads KV hits; invalidate removes keys on every primary")
    func invalidateAcrossPrimaries() async throws {
        let cluster = try SharedRedisCluster.require()
        let configuration = CacheConfiguration(namespace: "inval")
        let writer = TieredCache(
            configuration: configuration,
            kvStore: RedisClusterStore(seeds: [Self.seed(cluster, node: 0)], logger: Self.logger), logger: Self.logger)
        let reader = TieredCache(
            configuration: configuration,
            kvStore: RedisClusterStore(seeds: [Self.seed(cluster, node: 2)], logger: Self.logger), logger: Self.logger)
        await writer.setAnswers("topic", count: 90)
        await reader.expectKVHits("topic", count: 90)
        let report = await writer.invalidate("topic*")
        #expect(report.kvRemoved == 90)
        #expect(report.kvComplete)
        #expect(report.kvError == nil)
        let fresh = TieredCache(
            configuration: configuration,
            kvStore: RedisClusterStore(seeds: [Self.seed(cluster, node: 1)], logger: Self.logger), logger: Self.logger)
        for index in 0..<90 {
            #expect(await fresh.lookup("topic \(index)").entry == nil)
        }
        #expect(fresh.statistics().kvErrorsByClass.isEmpty)
        for cache in [writer, reader, fresh] { await cache.shutdown() }
    }

    @Test("KV_URL naming any node detects the cluster; ?cluster=true forces it", arguments: ["", "?cluster=true"])
    func detectionFromEnvironment(query: String) async throws {
        let cluster = try SharedRedisCluster.require()
        let namespace = "detect\(query.isEmpty ? "auto" : "forced")"
        let environment = ["KV_URL": "redis://127.0.0.1:\(cluster.announcedPorts[2])\(query)"]
        let configuration = CacheConfiguration(namespace: namespace)
        let writer = TieredCache.fromEnvironment(environment, configuration: configuration, logger: Self.logger)
        let reader = TieredCache.fromEnvironment(environment, configuration: configuration, logger: Self.logger)
        await writer.setAnswers("question", count: 60)
        await reader.expectKVHits("question", count: 60)
        #expect(writer.statistics().kvErrorsByClass.isEmpty, "\(writer.statistics().kvErrorsByClass)")
        #expect(reader.statistics().kvErrorsByClass.isEmpty, "\(reader.statistics().kvErrorsByClass)")
        #expect(reader.mode == "redis-cluster")
        #expect(writer.mode == "redis-cluster")
        await writer.shutdown()
        await reader.shutdown()
    }

    @Test("?cluster=false keeps one node: keys another primary serves are MOVED, a classified fallback")
    func forcedSingleNode() async throws {
        let cluster = try SharedRedisCluster.require()
        let layout = try await cluster.layout()
        let node = 1
        let environment = ["REDIS_URL": "redis://127.0.0.1:\(cluster.announcedPorts[node])?cluster=false"]
        // The breaker would turn the MOVED failures into circuit_open fast failures; this test is about classes.
        let configuration = CacheConfiguration(namespace: "single", circuitBreaker: .disabled)
        let cache = TieredCache.fromEnvironment(environment, configuration: configuration, logger: RedisStoreTestSupport.quietLogger)
        #expect(cache.mode == "redis")
        var local = 0
        var foreign = 0
        for index in 0..<40 {
            // The backend key is `<namespace>:<key>` (ASCII keys are already normalised).
            let key = "single:q \(index)"
            let owner = layout.primary(ofSlot: ClusterSlot(key: key).index)
            await cache.set("q \(index)", CacheEntry(text: "a \(index)", source: .kb))
            if owner == node { local += 1 } else { foreign += 1 }
        }
        await cache.waitForBackgroundWrites()
        #expect(local > 0 && foreign > 0)
        let statistics = cache.statistics()
        #expect(statistics.backgroundWriteFailures >= foreign)
        #expect((statistics.kvErrorsByClass["server_error"] ?? 0) >= foreign, "\(statistics.kvErrorsByClass)")
        #expect(Set(statistics.kvErrorsByClass.keys) == ["server_error"], "\(statistics.kvErrorsByClass)")
        #expect(cache.mode == "redis")
        await cache.shutdown()
    }

    @Test("a plain redis-server stays one node under detection")
    func plainServerStaysSingle() async throws {
        let server = try await RedisServer.start()
        defer { server.cleanUp() }
        let store = RedisClusterDetectingStore(
            endpoint: RedisEndpoint(address: .tcp(host: "127.0.0.1", port: server.port)), logger: Self.logger)
        try await store.set("plain", value: Self.bytes("v"), ttl: nil, deadline: Self.deadline())
        #expect(try await store.get("plain", deadline: Self.deadline()) == Self.bytes("v"))
        try await store.ping(deadline: Self.deadline())
        #expect(store.isCluster == false)
        #expect(store.backendName == "redis")
        #expect(store.preferredTaskExecutor != nil)
        await store.shutdown()
    }

    @Test("the cluster URL parameter: true, false, auto, and anything else refused")
    func clusterParameter() throws {
        #expect(try RedisEndpoint(url: "redis://h:7000?cluster=true").cluster == true)
        #expect(try RedisEndpoint(url: "rediss://h:7000?cluster=false").cluster == false)
        #expect(try RedisEndpoint(url: "redis://h:7000?cluster=auto").cluster == nil)
        #expect(try RedisEndpoint(url: "redis://h:7000").cluster == nil)
        #expect(try RedisEndpoint(url: "redis://h:7000?cluster=true").redactedURL == "redis://h:7000/0?cluster=true")
        #expect(throws: RedisEndpoint.ParseError.self) { try RedisEndpoint(url: "redis://h:7000?cluster=maybe") }
    }
}
