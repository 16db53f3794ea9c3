import ArgumentParser
import CacheCore
import CacheRedis
import Foundation
import Logging

/// The memory-first read (issue 12) against the memory tier it should match: `tieredcache.get.memoryfirst.cN`
/// (a `lookup` answered from memory while the Redis backplane vouches for it) beside `memorytier.get.async.cN`,
/// the memory tier read through the same async harness (one awaited call per operation), so the ratio shows
/// what the cache adds to a memory read, not what the harness costs. `memorytier.get` (synchronous, batched)
/// is the raw tier.
struct MemoryFirstCases {
    let cache: TieredCache
    let memory: MemoryTier
    let key: String

    /// A memory-first cache on the bench's redis-server, subscribed, with `question` in memory.
    static func start(port: Int, memory: MemoryTier, key: String, entry: CacheEntry, logger: Logger) async throws -> MemoryFirstCases {
        var configuration = CacheConfiguration(namespace: "bench-memfirst")
        configuration.readStrategy = .memoryFirst
        let store = RedisStore(endpoint: RedisEndpoint(address: .tcp(host: "127.0.0.1", port: port)), logger: logger)
        let cache = TieredCache(configuration: configuration, kvStore: store, logger: logger)
        let end = ContinuousClock.now + .seconds(10)
        while cache.backplaneStatus().state != .subscribed, ContinuousClock.now < end {
            try await Task.sleep(for: .milliseconds(10))
        }
        guard cache.backplaneStatus().state == .subscribed else { throw ValidationError("the memory-first cache's backplane did not subscribe") }
        await cache.set("question", entry)
        await cache.waitForBackgroundWrites()
        guard await cache.lookup("question").tier == .memory else { throw ValidationError("memory-first hit expected") }
        return MemoryFirstCases(cache: cache, memory: memory, key: key)
    }

    func runRound(concurrency: Int, duration: Duration, operations: Int?, recorder: BenchmarkRecorder) async throws {
        let cache = cache
        let memory = memory
        let key = key
        for callers in [1, concurrency] {
            try await recorder.run("memorytier.get.async.c\(callers)") {
                try await ConcurrentCaseRunner.run(name: "memorytier.get.async.c\(callers)", concurrency: callers, duration: duration, operations: operations) {
                    guard memory.get(key) != nil else { throw ValidationError("memory hit expected") }
                }
            }
            try await recorder.run("tieredcache.get.memoryfirst.c\(callers)") {
                try await ConcurrentCaseRunner.run(name: "tieredcache.get.memoryfirst.c\(callers)", concurrency: callers, duration: duration, operations: operations) {
                    guard await cache.lookup("question").tier == .memory else { throw ValidationError("memory-first hit expected") }
                }
            }
        }
    }

    func shutdown() async { await cache.shutdown() }
}

extension MemoryFirstCases {
    /// Issue 12's goal: a memory-first hit's median equals the memory tier's (same harness), within 1 µs.
    static func printComparison(_ byName: [String: BenchmarkResult], concurrency: Int) {
        for callers in [1, concurrency] {
            guard let first = byName["tieredcache.get.memoryfirst.c\(callers)"],
                  let tier = byName["memorytier.get.async.c\(callers)"] else { continue }
            let verdict = first.p50Micros <= tier.p50Micros + 1 ? "PASS" : "FAIL"
            print("\(verdict) tieredcache.get.memoryfirst.c\(callers) p50 ≤ memorytier.get.async.c\(callers) p50 + 1 µs: "
                + String(format: "%.2f µs vs %.2f µs", first.p50Micros, tier.p50Micros)
                + (byName["memorytier.get"].map { String(format: " (memorytier.get, synchronous: %.2f µs)", $0.p50Micros) } ?? ""))
        }
    }
}
