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

    @Option(name: .long, help: "Seconds per case, split over the rounds (the whole run takes about 13× this).")
    var seconds: Double = 2

    @Option(name: .long, help: "Rounds: every case runs once per round, interleaved, and its best round counts, so a burst of load from other processes skews no single ratio.")
    var rounds: Int = 3

    @Option(name: .long, help: "Concurrent callers for the .c64 cases.")
    var concurrency: Int = 64

    @Option(name: .long, help: "Value size in bytes for the KV cases.")
    var valueBytes: Int = 100

    mutating func run() async throws {
        guard seconds > 0, seconds <= 600 else { throw ValidationError("--seconds must be in (0, 600]") }
        guard concurrency > 0, concurrency <= 10_000 else { throw ValidationError("--concurrency must be in 1…10000") }
        guard rounds > 0, rounds <= 100 else { throw ValidationError("--rounds must be in 1…100") }
        let duration = Duration.milliseconds(Int64(seconds * 1000 / Double(rounds)))
        var logger = Logger(label: "cache-bench")
        logger.logLevel = .warning

        let server = try await RedisServer.start(logger: logger)
        defer { server.cleanUp() }
        let endpoint = RedisEndpoint(address: .tcp(host: "127.0.0.1", port: server.port))
        let rawKey = "bench:raw"
        let value = [UInt8](repeating: UInt8(ascii: "v"), count: max(1, valueBytes))
        _ = try await server.command(["SET", rawKey, String(decoding: value, as: UTF8.self)])

        let store = RedisStore(endpoint: endpoint, logger: logger)
        let cache = TieredCache(configuration: CacheConfiguration(namespace: "bench"), kvStore: store, logger: logger)
        let cacheKey = "question:what-is-the-cache"
        await cache.set(cacheKey, CacheEntry(bytes: value, source: .kb))
        await cache.waitForBackgroundWrites()
        guard await cache.lookup(cacheKey).tier == .kv else {
            throw ValidationError("the benchmark entry is not readable from the KV tier; is Redis reachable?")
        }

        let rest = try await RESTBenchmarks.start(redisPort: server.port, key: rawKey, valueBytes: value.count, logger: logger)

        var results: [BenchmarkResult] = []
        func report(_ result: BenchmarkResult) {
            print("  measured \(result.name): \(Int(result.opsPerSec)) ops/s")
            if let index = results.firstIndex(where: { $0.name == result.name }) {
                if result.opsPerSec > results[index].opsPerSec { results[index] = result }
            } else {
                results.append(result)
            }
        }

        let keys = (0..<1000).map { "bench:memory:\($0)" }
        let entry = CacheEntry(bytes: value, source: .kb)
        let locked = Mutex<[String: CacheEntry]>(Dictionary(uniqueKeysWithValues: keys.map { ($0, entry) }))
        let memory = MemoryTier(limits: .init(maximumEntries: 10_000, maximumBytes: 64 << 20))
        for key in keys { _ = memory.set(key, entry, expiresAt: nil) }
        let encoded = CacheEntryCodec.encode(entry, key: cacheKey, expiresAt: Date() + 3600)
        var checksum = 0

        for round in 1...rounds {
        print("round \(round) of \(rounds)")

        // One caller.
        report(try await HiredisBaseline.run(name: "hiredis.get.c1", port: server.port, key: rawKey, duration: duration))
        report(try await ConcurrentCaseRunner.run(name: "redisstore.get.c1", concurrency: 1, duration: duration) {
            _ = try await store.get(rawKey, deadline: .now + .seconds(2))
        })
        report(try await ConcurrentCaseRunner.run(name: "tieredcache.get.kvhit.c1", concurrency: 1, duration: duration) {
            guard await cache.lookup(cacheKey).tier == .kv else { throw ValidationError("kv hit expected") }
        })
        // The same, with the caller preferring the store's I/O thread as its executor (no thread hops).
        report(try await ConcurrentCaseRunner.run(name: "redisstore.get.c1.exec", concurrency: 1, duration: duration, executor: store.executor) {
            _ = try await store.get(rawKey, deadline: .now + .seconds(2))
        })
        report(try await ConcurrentCaseRunner.run(name: "tieredcache.get.kvhit.c1.exec", concurrency: 1, duration: duration, executor: store.executor) {
            guard await cache.lookup(cacheKey).tier == .kv else { throw ValidationError("kv hit expected") }
        })

        // Many callers.
        let firstPass = results.first { $0.name == "hiredis.get.c1" }?.opsPerSec ?? 30_000
        let requests = max(10_000, Int(firstPass * 3 * seconds / Double(rounds)))
        let benchmarkPort = server.port
        let concurrency = self.concurrency
        report(try await DedicatedThread.run {
            try RedisBenchmarkBaseline.run(name: "redis-benchmark.get.c\(concurrency)", port: benchmarkPort, clients: concurrency, requests: requests)
        })
        report(try await ConcurrentCaseRunner.run(name: "redisstore.get.c\(concurrency)", concurrency: concurrency, duration: duration) {
            _ = try await store.get(rawKey, deadline: .now + .seconds(2))
        })
        report(try await ConcurrentCaseRunner.run(name: "tieredcache.get.kvhit.c\(concurrency)", concurrency: concurrency, duration: duration) {
            guard await cache.lookup(cacheKey).tier == .kv else { throw ValidationError("kv hit expected") }
        })
        report(try await ConcurrentCaseRunner.run(name: "tieredcache.get.kvhit.c\(concurrency).exec", concurrency: concurrency, duration: duration, executor: store.executor) {
            guard await cache.lookup(cacheKey).tier == .kv else { throw ValidationError("kv hit expected") }
        })

        // The REST tier through kv-rest-bridge, and the bridge alone under wrk.
        try await rest.runRound(concurrency: concurrency, duration: duration, report: report)

        // Memory.
        report(ConcurrentCaseRunner.runSynchronous(name: "lockeddict.get", duration: duration) { index in
            let key = keys[index % keys.count]
            checksum &+= locked.withLock { $0[key]?.value.count ?? 0 }
        })
        report(ConcurrentCaseRunner.runSynchronous(name: "memorytier.get", duration: duration) { index in
            checksum &+= memory.get(keys[index % keys.count])?.value.count ?? 0
        })
        // Informational (no goal): the envelope decoding every KV hit pays, on the caller's thread.
        report(ConcurrentCaseRunner.runSynchronous(name: "codec.decode", duration: duration / 2, batchSize: 8) { _ in
            checksum &+= (try? CacheEntryCodec.decode(encoded, expectedKey: cacheKey))?.entry.value.count ?? 0
        })
        }
        if checksum == 0 { print("warning: the memory cases found no entries") }

        await cache.shutdown()
        await store.shutdown()
        await rest.shutdown()

        BenchmarkTable.print(results, concurrency: concurrency)
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(BenchmarkReport(cases: results)).write(to: URL(fileURLWithPath: json))
            print("wrote \(json)")
        }
    }
}
