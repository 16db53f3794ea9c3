import CacheCore
import CacheRedis

/// `invalidate` over many keys: seeding them, and timing the cache's SCAN + UNLINK.
enum InvalidationCases {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Writes `count` small keys `prefix0…` through the store, 64 writers at a time (pipelined).
    static func seed(store: RedisStore, prefix: String, count: Int) async throws {
        let writers = 64
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    var index = writer
                    while index < count {
                        try await store.set("\(prefix)\(index)", value: Array("x".utf8), ttl: nil, deadline: .now + .seconds(10))
                        index += writers
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// Times `cache.invalidate(pattern)` and checks it removed every key.
    static func invalidate(cache: TieredCache, pattern: String, expected: Int, name: String) async throws -> BenchmarkResult {
        let clock = ContinuousClock()
        let started = clock.now
        let report = await cache.invalidate(pattern)
        let elapsed = clock.now - started
        guard report.kvComplete, report.kvRemoved == expected else {
            throw Failure(description: "invalidate removed \(report.kvRemoved) of \(expected) keys (complete: \(report.kvComplete))")
        }
        return BenchmarkResult(total: expected, elapsed: elapsed, name: name)
    }
}
