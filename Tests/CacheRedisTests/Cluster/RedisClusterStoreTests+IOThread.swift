import CacheCore
import RedisServerSupport
import Synchronization
import Testing

@testable import CacheRedis

extension RedisClusterStoreTests {
    /// The I/O threads of every node's connections the store has opened.
    static func ioThreads(of store: RedisClusterStore) -> [UInt] {
        store.state.withLock { state in state.nodes.values.flatMap(\.ioThreadIdentifiers) }
    }

    @Test("every node's connections run on one shared I/O thread; with clusterSharedIOThread off, on one each; both read right")
    func sharedIOThread() async throws {
        let cluster = try SharedRedisCluster.require()
        let keys = (0..<60).map { "iothread:\($0)" }
        for shared in [true, false] {
            var configuration = RedisStore.Configuration()
            configuration.connectionCount = 2
            configuration.clusterSharedIOThread = shared
            let store = RedisClusterStore(seeds: [Self.seed(cluster, node: 0)], configuration: configuration, logger: Self.logger)
            for key in keys { try await store.set(key, value: Self.bytes("\(key) \(shared)"), ttl: .seconds(600), deadline: Self.deadline()) }
            let values = try await withThrowingTaskGroup(of: Bool.self) { group in
                for key in keys {
                    group.addTask { try await store.get(key, deadline: Self.deadline()) == Self.bytes("\(key) \(shared)") }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(values.count == keys.count && values.allSatisfy { $0 })
            #expect(store.nodeRequestCounts().count == 3)
            let threads = Self.ioThreads(of: store)
            // 3 primaries × 2 connections (the seed is one of the primaries).
            #expect(threads.count == 6)
            #expect(!threads.contains(0))
            #expect(Set(threads).count == (shared ? 1 : 6), "shared: \(shared), threads: \(threads)")
            await store.shutdown()
            let refused = await RedisStoreTestSupport.expectKVError { () async throws(KVError) in
                _ = try await store.get(keys[0], deadline: Self.deadline())
            }
            #expect(refused?.code == .shutDown)
        }
    }
}
