import CacheCore
import Foundation
import Logging
import MetricsTestKit
import RedisServerSupport
import Synchronization
import Testing

@testable import CacheRedis

/// ``RedisClusterStore`` while the cluster changes under it: slots migrating (`ASK`, then `MOVED`) and a
/// primary dying. Each test changes its cluster, so each starts its own.
@Suite("RedisClusterStore under resharding and node failure")
struct RedisClusterStoreFaultTests {
    @Test("moving slots under reads: ASK while a slot migrates, MOVED after, never a wrong value")
    func reshardingUnderReads() async throws {
        let cluster = try await RedisCluster.start(options: .init(primaries: 3))
        defer { cluster.cleanUp() }
        let (source, target, moving) = try ClusterTestKeys.reshardingPlan(try await cluster.layout(), count: 40)
        let keys = ClusterTestKeys.keys("reshard:", count: 200, inSlots: moving)
        let metrics = TestMetrics()
        let store = RedisClusterStore(
            seeds: [RedisClusterStoreTests.seed(cluster, node: 0)], metricsFactory: metrics, logger: RedisClusterStoreTests.logger)
        for key in keys {
            try await store.set(key, value: Array("v:\(key)".utf8), ttl: nil, deadline: RedisClusterStoreTests.deadline())
        }

        let done = Atomic<Bool>(false)
        let move = Task {
            defer { done.store(true, ordering: .releasing) }
            return try await cluster.moveSlots(40, from: source, to: target, holdingEachSlot: .milliseconds(30))
        }
        var wrong: [String] = []
        var failures: [String] = []
        var reads = 0
        while !done.load(ordering: .acquiring) {
            for key in keys.shuffled().prefix(20) {
                reads += 1
                do {
                    let value = try await store.get(key, deadline: RedisClusterStoreTests.deadline(.seconds(2)))
                    if value != Array("v:\(key)".utf8) { wrong.append(key) }
                } catch {
                    failures.append("\(error)")
                }
            }
        }
        let moved = try await move.value
        #expect(moved.count == 40)
        for key in keys {
            #expect(try await store.get(key, deadline: RedisClusterStoreTests.deadline()) == Array("v:\(key)".utf8))
        }
        #expect(wrong.isEmpty, "wrong values for \(wrong.prefix(5))")
        #expect(failures.isEmpty, "\(failures.count) of \(reads) reads failed: \(failures.prefix(3))")
        let redirections = { (kind: String) in
            metrics.counters(label: "cache_kv_cluster_redirections_total", dimensions: [("kind", kind)]).reduce(0) { $0 + $1.totalValue }
        }
        #expect(redirections("ask") > 0)
        #expect(redirections("moved") > 0)
        // The map learnt the new owner: the target now serves requests for the moved keys.
        let counts = store.nodeRequestCounts()
        #expect((counts["127.0.0.1:\(cluster.announcedPorts[target])"] ?? 0) > 0)
        await store.shutdown()
    }

    @Test("a dead primary: its keys fall back to memory with a classified error within the deadline; the others stay KV hits")
    func deadPrimaryFallsBack() async throws {
        // Without full coverage, the surviving primaries keep serving their slots while one is down.
        let cluster = try await RedisCluster.start(
            options: .init(primaries: 3, extraArguments: ["--cluster-require-full-coverage", "no"]))
        defer { cluster.cleanUp() }
        // Generous, so the writes before the kill succeed on a loaded machine; the bound checked below is
        // this deadline, not a speed.
        let kvDeadline = Duration.seconds(1)
        // The breaker is per store, not per node: a third of the keys failing could trip it (5 failures in a
        // row) and turn the healthy primaries' hits into fallbacks too; this test is about the store.
        let configuration = CacheConfiguration(namespace: "dead", kvDeadline: kvDeadline, circuitBreaker: .disabled)
        let logger = RedisStoreTestSupport.quietLogger
        let writer = TieredCache(
            configuration: configuration,
            kvStore: RedisClusterStore(seeds: [RedisClusterStoreTests.seed(cluster, node: 0)], logger: logger), logger: logger)
        for index in 0..<60 {
            await writer.set("q \(index)", CacheEntry(text: "a \(index)", source: .kb))
        }
        await writer.waitForBackgroundWrites()
        try #require(writer.statistics().kvErrorsByClass.isEmpty, "the writes before the kill failed: \(writer.statistics().kvErrorsByClass)")

        let layout = try await cluster.layout()
        let victim = 1
        await cluster.kill(node: victim)
        let reader = TieredCache(
            configuration: configuration,
            kvStore: RedisClusterStore(seeds: [RedisClusterStoreTests.seed(cluster, node: 0)], logger: logger), logger: logger)
        var onVictim = 0
        for index in 0..<60 {
            let onDeadNode = layout.primary(ofSlot: ClusterSlot(key: "dead:q \(index)").index) == victim
            let started = ContinuousClock.now
            let fromKV = await reader.lookup("q \(index)")
            let fromMemory = await writer.lookup("q \(index)")
            let elapsed = ContinuousClock.now - started
            // Bounded by the deadline (two lookups here), with room for a loaded machine; never a hang.
            #expect(elapsed < kvDeadline * 2 + .seconds(1), "lookups of a key took \(elapsed)")
            #expect(fromMemory.entry?.text == "a \(index)")
            if onDeadNode {
                onVictim += 1
                #expect(fromKV.entry == nil)
            } else {
                #expect(fromKV.tier == .kv)
                #expect(fromKV.entry?.text == "a \(index)")
            }
        }
        #expect(onVictim > 0)
        let errors = reader.statistics().kvErrorsByClass
        #expect(errors.values.reduce(0, +) >= onVictim, "\(errors)")
        #expect(Set(errors.keys).isSubset(of: ["connection_refused", "connection_reset", "timeout"]), "\(errors)")
        await writer.shutdown()
        await reader.shutdown()
    }
}
