import ArgumentParser
import CacheCore
import CacheRedis
import Foundation
import Logging
import RedisServerSupport
import Synchronization

/// `cache-bench`: measures the Redis tier and the memory tier against baselines taken in the same run on
/// the same machine, prints a table with ratios and PASS/FAIL goals, and writes the figures as JSON.
@main
struct CacheBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache-bench",
        abstract: "Benchmarks RedisStore, TieredCache and MemoryTier against raw hiredis, redis-benchmark and a locked dictionary.")

    @Option(name: .long, help: "Write the results as JSON to this file.")
    var json: String?

    @Option(name: .long, help: "Seconds per case, split over the rounds (the whole run takes about 25× this, plus the 1 M-entry and 100 k-key set-ups).")
    var seconds: Double = 2

    @Option(name: .long, help: "Rounds: every case runs once per round, interleaved, and its best round counts, so a burst of load from other processes skews no single ratio.")
    var rounds: Int = 3

    @Option(name: .long, help: "Concurrent callers for the .c64 cases.")
    var concurrency: Int = 64

    @Option(name: .long, help: "Value size in bytes for the KV cases.")
    var valueBytes: Int = 100

    @Option(name: .long, help: "RedisStore.Configuration.spin in microseconds (how long a lone caller and the I/O thread spin before sleeping; 0 = off).")
    var spinMicros: Int = 0

    @Option(name: .long, help: "Stop each RedisStore/TieredCache/REST case after this many operations instead of after its time (for callgrind instruction counts and perf context-switch counts per operation).")
    var operations: Int?

    @Option(name: .long, help: "Run only the cases whose name contains this text (baselines included by name too); a comma-separated list of such texts, where `=name` matches that case exactly.")
    var filter: String?

    mutating func run() async throws {
        guard seconds > 0, seconds <= 600 else { throw ValidationError("--seconds must be in (0, 600]") }
        if let operations, operations <= 0 { throw ValidationError("--operations must be positive") }
        guard concurrency > 0, concurrency <= 10_000 else { throw ValidationError("--concurrency must be in 1…10000") }
        guard rounds > 0, rounds <= 100 else { throw ValidationError("--rounds must be in 1…100") }
        let fixedOperations = operations
        let duration = Duration.milliseconds(Int64(seconds * 1000 / Double(rounds)))
        var logger = Logger(label: "cache-bench")
        logger.logLevel = .warning

        let server = try await RedisServer.start(logger: logger)
        defer { server.cleanUp() }
        let endpoint = RedisEndpoint(address: .tcp(host: "127.0.0.1", port: server.port))
        var storeConfiguration = RedisStore.Configuration()
        storeConfiguration.spin = .microseconds(max(0, spinMicros))
        let store = RedisStore(endpoint: endpoint, configuration: storeConfiguration, logger: logger)
        let cache = TieredCache(
            // The 1 MiB case's envelope is a little over 1 MiB: the limit is raised so it is a hit, not refused.
            configuration: CacheConfiguration(namespace: "bench", memory: .init(maximumEntries: 10_000, maximumBytes: 256 << 20), maximumEntryBytes: 2 << 20),
            kvStore: store, logger: logger)

        // The KV cases read one key each: the main one at --value-bytes, and the 10 KiB and 1 MiB variants.
        let sizes: [(suffix: String, bytes: Int)] = [("", max(1, valueBytes)), (".10kib", 10 << 10), (".1mib", 1 << 20)]
        for (suffix, bytes) in sizes {
            let value = [UInt8](repeating: UInt8(ascii: "v"), count: bytes)
            try await store.set("bench:raw\(suffix)", value: value, ttl: nil, deadline: .now + .seconds(5))
            await cache.set("question\(suffix)", CacheEntry(bytes: value, source: .kb))
        }
        await cache.waitForBackgroundWrites()
        // A cache over the same store whose memory holds one entry, read round robin over 64 keys: every hit
        // finds memory without the bytes it read (evicted by the key before), so it decodes them and stores
        // a copy: the cost of a KV hit that memory's remembered envelope cannot save.
        let coldKeys = (0..<64).map { "question:cold:\($0)" }
        let coldMemoryCache = TieredCache(
            configuration: CacheConfiguration(namespace: "bench", memory: .init(maximumEntries: 1, maximumBytes: 256 << 20)),
            kvStore: store, logger: logger)
        for key in coldKeys {
            await coldMemoryCache.set(key, CacheEntry(bytes: [UInt8](repeating: UInt8(ascii: "v"), count: max(1, valueBytes)), source: .kb))
        }
        await coldMemoryCache.waitForBackgroundWrites()
        let coldKeyCounter = ClusterBenchmarks.Counter()
        for (suffix, _) in sizes {
            guard await cache.lookup("question\(suffix)").tier == .kv else {
                throw ValidationError("the benchmark entry is not readable from the KV tier; is Redis reachable?")
            }
        }

        let recorder = BenchmarkRecorder(filter: filter)
        let rest = try await RESTBenchmarks.start(redisPort: server.port, key: "bench:raw", valueBytes: max(1, valueBytes), logger: logger)
        let port = server.port
        let concurrency = self.concurrency
        let value = [UInt8](repeating: UInt8(ascii: "v"), count: max(1, valueBytes))
        let keys = (0..<1000).map { "bench:memory:\($0)" }
        let entry = CacheEntry(bytes: value, source: .kb)
        let locked = Mutex<[String: CacheEntry]>(Dictionary(uniqueKeysWithValues: keys.map { ($0, entry) }))
        let memory = MemoryTier(limits: .init(maximumEntries: 10_000, maximumBytes: 64 << 20))
        for key in keys { _ = memory.set(key, entry, expiresAt: nil) }
        let bigMemory = BigMemoryCases(wanted: recorder.wants("1m"), entry: entry)
        let encoded = CacheEntryCodec.encode(entry, key: "question", expiresAt: Date() + 3600)
        let memoryFirst = recorder.wants("memoryfirst") || recorder.wants("memorytier.get.async")
            ? try await MemoryFirstCases.start(port: port, memory: memory, key: keys[0], entry: entry, logger: logger) : nil
        var checksum = 0
        let clusterCases = ClusterBenchmarks.caseNames(concurrency: concurrency).contains(where: recorder.wants)
            ? try await ClusterBenchmarks.start(valueBytes: max(1, valueBytes), logger: logger) : nil

        for round in 1...rounds {
            print("round \(round) of \(rounds)")

            // One caller, at each value size; then the main size with a busy thread on the other core.
            for (suffix, _) in sizes {
                try await recorder.run("hiredis.get.c1\(suffix)") {
                    try await HiredisBaseline.run(name: "hiredis.get.c1\(suffix)", port: port, key: "bench:raw\(suffix)", duration: duration)
                }
                try await recorder.run("redisstore.get.c1\(suffix)") {
                    try await ConcurrentCaseRunner.run(name: "redisstore.get.c1\(suffix)", concurrency: 1, duration: duration, operations: fixedOperations) {
                        _ = try await store.get("bench:raw\(suffix)", deadline: .now + .seconds(2))
                    }
                }
                try await recorder.run("tieredcache.get.kvhit.c1\(suffix)") {
                    try await ConcurrentCaseRunner.run(name: "tieredcache.get.kvhit.c1\(suffix)", concurrency: 1, duration: duration, operations: fixedOperations) {
                        guard await cache.lookup("question\(suffix)").tier == .kv else { throw ValidationError("kv hit expected") }
                    }
                }
            }
            try await recorder.run("hiredis.get.c1.loaded") {
                try await BusyThread.around {
                    try await HiredisBaseline.run(name: "hiredis.get.c1.loaded", port: port, key: "bench:raw", duration: duration)
                }
            }
            try await recorder.run("redisstore.get.c1.loaded") {
                try await BusyThread.around {
                    try await ConcurrentCaseRunner.run(name: "redisstore.get.c1.loaded", concurrency: 1, duration: duration, operations: fixedOperations) {
                        _ = try await store.get("bench:raw", deadline: .now + .seconds(2))
                    }
                }
            }
            try await recorder.run("tieredcache.get.kvhit.c1.loaded") {
                try await BusyThread.around {
                    try await ConcurrentCaseRunner.run(name: "tieredcache.get.kvhit.c1.loaded", concurrency: 1, duration: duration, operations: fixedOperations) {
                        guard await cache.lookup("question").tier == .kv else { throw ValidationError("kv hit expected") }
                    }
                }
            }
            // The same, with the caller preferring the store's I/O thread as its executor (no thread hops).
            try await recorder.run("redisstore.get.c1.exec") {
                try await ConcurrentCaseRunner.run(name: "redisstore.get.c1.exec", concurrency: 1, duration: duration, operations: fixedOperations, executor: store.executor) {
                    _ = try await store.get("bench:raw", deadline: .now + .seconds(2))
                }
            }
            try await recorder.run("tieredcache.get.kvhit.c1.exec") {
                try await ConcurrentCaseRunner.run(name: "tieredcache.get.kvhit.c1.exec", concurrency: 1, duration: duration, operations: fixedOperations, executor: store.executor) {
                    guard await cache.lookup("question").tier == .kv else { throw ValidationError("kv hit expected") }
                }
            }

            // Many callers.
            let firstPass = recorder.results.first { $0.name == "hiredis.get.c1" }?.opsPerSec ?? 30_000
            let requests = max(10_000, Int(firstPass * 3 * seconds / Double(rounds)))
            try await recorder.run("redis-benchmark.get.c\(concurrency)") {
                try await DedicatedThread.run {
                    try RedisBenchmarkBaseline.run(name: "redis-benchmark.get.c\(concurrency)", port: port, clients: concurrency, requests: requests)
                }
            }
            try await recorder.run("redisstore.get.c\(concurrency)") {
                try await ConcurrentCaseRunner.run(name: "redisstore.get.c\(concurrency)", concurrency: concurrency, duration: duration, operations: fixedOperations) {
                    _ = try await store.get("bench:raw", deadline: .now + .seconds(2))
                }
            }
            try await recorder.run("tieredcache.get.kvhit.c\(concurrency)") {
                try await ConcurrentCaseRunner.run(name: "tieredcache.get.kvhit.c\(concurrency)", concurrency: concurrency, duration: duration, operations: fixedOperations) {
                    guard await cache.lookup("question").tier == .kv else { throw ValidationError("kv hit expected") }
                }
            }
            try await recorder.run("tieredcache.get.kvhit.c\(concurrency).cold") {
                try await ConcurrentCaseRunner.run(name: "tieredcache.get.kvhit.c\(concurrency).cold", concurrency: concurrency, duration: duration, operations: fixedOperations) {
                    let key = coldKeys[coldKeyCounter.take() % coldKeys.count]
                    guard await coldMemoryCache.lookup(key).tier == .kv else { throw ValidationError("kv hit expected") }
                }
            }
            try await clusterCases?.runRound(concurrency: concurrency, duration: duration, operations: fixedOperations, recorder: recorder)
            try await recorder.run("tieredcache.get.kvhit.c\(concurrency).exec") {
                try await ConcurrentCaseRunner.run(name: "tieredcache.get.kvhit.c\(concurrency).exec", concurrency: concurrency, duration: duration, operations: fixedOperations, executor: store.executor) {
                    guard await cache.lookup("question").tier == .kv else { throw ValidationError("kv hit expected") }
                }
            }

            // The REST tier through kv-rest-bridge, and the bridge alone under wrk.
            try await rest.runRound(concurrency: concurrency, duration: duration, operations: fixedOperations, recorder: recorder)

            // Memory: 1000 entries, then 1 M.
            try await recorder.run("lockeddict.get") {
                ConcurrentCaseRunner.runSynchronous(name: "lockeddict.get", duration: duration) { index in
                    let key = keys[index % keys.count]
                    checksum &+= locked.withLock { $0[key]?.value.count ?? 0 }
                }
            }
            try await recorder.run("memorytier.get") {
                ConcurrentCaseRunner.runSynchronous(name: "memorytier.get", duration: duration) { index in
                    checksum &+= memory.get(keys[index % keys.count])?.value.count ?? 0
                }
            }
            try await memoryFirst?.runRound(concurrency: concurrency, duration: duration, operations: fixedOperations, recorder: recorder)
            if let bigMemory {
                try await recorder.run("lockeddict.get.1m") { bigMemory.lockedDictionary(duration: duration, checksum: &checksum) }
                try await recorder.run("memorytier.get.1m") { bigMemory.memoryTier(duration: duration, checksum: &checksum) }
            }
            // Informational (no goal): the envelope decoding every KV hit pays, on the caller's thread.
            try await recorder.run("codec.decode") {
                ConcurrentCaseRunner.runSynchronous(name: "codec.decode", duration: duration / 2, batchSize: 8) { _ in
                    checksum &+= (try? CacheEntryCodec.decode(encoded, expectedKey: "question"))?.entry.value.count ?? 0
                }
            }
            // Informational: the key check every KV hit also pays, on the I/O thread, before the reply is accepted.
            try await recorder.run("codec.keyprobe") {
                ConcurrentCaseRunner.runSynchronous(name: "codec.keyprobe", duration: duration / 2, batchSize: 8) { _ in
                    checksum &+= EnvelopeKeyProbe.probe(encoded, expectedKey: "question") == .matches ? 1 : 0
                }
            }
        }

        // Invalidation of 100 k keys, once (seeding dominates a round): the cache against redis-cli.
        let invalidationKeys = 100_000
        if recorder.wants("invalidate") || recorder.wants("scan-unlink") {
            try await InvalidationCases.seed(store: store, prefix: "bench:inv:", count: invalidationKeys)
            try await recorder.run("redis-cli.scan-unlink.100k") {
                try await DedicatedThread.run {
                    try InvalidationBaseline.run(name: "redis-cli.scan-unlink.100k", port: port, pattern: "bench:inv:*", keys: invalidationKeys)
                }
            }
            try await InvalidationCases.seed(store: store, prefix: "bench:inv:", count: invalidationKeys)
            try await recorder.run("tieredcache.invalidate.100k") {
                try await InvalidationCases.invalidate(cache: cache, pattern: "inv:*", expected: invalidationKeys, name: "tieredcache.invalidate.100k")
            }
        }
        if checksum == 0 && recorder.wants("memory") { print("warning: the memory cases found no entries") }

        await memoryFirst?.shutdown()
        // Both shut the shared store down; the second call finds it shut already.
        await coldMemoryCache.shutdown()
        await cache.shutdown()
        await store.shutdown()
        await rest.shutdown()
        await clusterCases?.shutdown()

        let results = recorder.results
        BenchmarkTable.print(results, concurrency: concurrency)
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(BenchmarkReport(cases: results)).write(to: URL(fileURLWithPath: json))
            print("wrote \(json)")
        }
    }
}
