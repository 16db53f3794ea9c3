import CacheCore
import CacheRedis
import Logging
import RedisServerSupport
import Synchronization

/// The cluster case: `RedisClusterStore` reading keys spread over a 3-primary cluster (no replicas) that
/// the bench starts itself, compared with `redisstore.get.c<N>` on one node in the same run, so the ratio
/// shows what routing (slot, map, a connection set per node) costs.
struct ClusterBenchmarks {
    let cluster: RedisCluster
    let store: RedisClusterStore
    /// The same reads with a thread per node's connection (``RedisStore/Configuration/clusterSharedIOThread``
    /// off, as before the shared I/O thread), so the run shows what sharing one thread saves.
    let threadPerNodeStore: RedisClusterStore
    let keys: [String]
    /// Keys sharing one hash tag, so one slot and one node: routing's own cost, without the spreading.
    let oneNodeKeys: [String]

    static func start(valueBytes: Int, logger: Logger) async throws -> ClusterBenchmarks {
        let cluster = try await RedisCluster.start(options: .init(primaries: 3), logger: logger)
        do {
            let seed = RedisEndpoint(address: .tcp(host: "127.0.0.1", port: cluster.announcedPorts[0]))
            let store = RedisClusterStore(seeds: [seed], logger: logger)
            var threadPerNode = RedisStore.Configuration()
            threadPerNode.clusterSharedIOThread = false
            let threadPerNodeStore = RedisClusterStore(seeds: [seed], configuration: threadPerNode, logger: logger)
            let keys = (0..<64).map { "bench:cluster:\($0)" }
            let oneNodeKeys = (0..<64).map { "bench:{one}:\($0)" }
            let value = [UInt8](repeating: UInt8(ascii: "v"), count: valueBytes)
            for key in keys + oneNodeKeys { try await store.set(key, value: value, ttl: nil, deadline: .now + .seconds(5)) }
            // Its discovery and its connections to every primary, before it is timed.
            for key in keys { _ = try await threadPerNodeStore.get(key, deadline: .now + .seconds(5)) }
            guard store.nodeRequestCounts().count == 3 else {
                throw BenchmarkSetupError(description: "the cluster keys did not reach all 3 primaries: \(store.nodeRequestCounts())")
            }
            return ClusterBenchmarks(cluster: cluster, store: store, threadPerNodeStore: threadPerNodeStore, keys: keys, oneNodeKeys: oneNodeKeys)
        } catch {
            cluster.cleanUp()
            throw error
        }
    }

    /// The cases' names: the cluster is started only when one of them is wanted (`--filter "=cluster.get.c64"`
    /// alone, for per-operation counts of that case).
    static func caseNames(concurrency: Int) -> [String] {
        ["cluster.get.c\(concurrency)", "cluster.get.c\(concurrency).onenode", "cluster.get.c\(concurrency).threadpernode"]
    }

    /// One round: `concurrency` callers, each reading the next key round robin, over the 3 primaries
    /// (`cluster.get.cN`), over one of them (`cluster.get.cN.onenode`), and over the 3 with a thread per
    /// node (`cluster.get.cN.threadpernode`).
    func runRound(concurrency: Int, duration: Duration, operations: Int?, recorder: BenchmarkRecorder) async throws {
        let names = Self.caseNames(concurrency: concurrency)
        for (name, store, keys) in [(names[0], store, keys), (names[1], store, oneNodeKeys), (names[2], threadPerNodeStore, keys)] {
            let next = Counter()
            try await recorder.run(name) {
                try await ConcurrentCaseRunner.run(name: name, concurrency: concurrency, duration: duration, operations: operations) {
                    let key = keys[next.take() % keys.count]
                    guard try await store.get(key, deadline: .now + .seconds(2)) != nil else { throw BenchmarkSetupError(description: "\(key) missing") }
                }
            }
        }
    }

    func shutdown() async {
        await store.shutdown()
        await threadPerNodeStore.shutdown()
        cluster.cleanUp()
    }

    /// Hands out increasing numbers to concurrent callers.
    final class Counter: Sendable {
        private let value = Atomic<Int>(0)
        func take() -> Int { value.wrappingAdd(1, ordering: .relaxed).oldValue }
    }
}

/// A bench case could not be set up.
struct BenchmarkSetupError: Error, CustomStringConvertible {
    var description: String
}
