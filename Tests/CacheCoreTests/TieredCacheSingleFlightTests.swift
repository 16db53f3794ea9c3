@testable import CacheCore
import Logging
import Synchronization
import Testing

/// Issue 12, item 1: concurrent `getOrCompute` calls for one key in one cache share one computation.
@Suite("TieredCache single-flight")
struct TieredCacheSingleFlightTests {
    private let logger = Logger(label: "test")
    private struct OriginDown: Error {}

    /// Starts `count` concurrent calls for `key` whose compute is held by `origin`, and waits until all of
    /// them wait for the one computation.
    private func herd(
        _ cache: TieredCache, key: String, count: Int, origin: CallGate, computations: ComputeCounter, fails: Bool = false
    ) async -> [Task<CacheResult, any Error>] {
        let tasks = (0..<count).map { _ in
            Task {
                try await cache.getOrCompute(key) {
                    computations.increment()
                    await origin.pass()
                    if fails { throw OriginDown() }
                    return CacheEntry(text: "answer", source: .llm)
                }
            }
        }
        #expect(await eventually { cache.computations.waiters(for: key) == count })
        return tasks
    }

    @Test("N concurrent callers share one compute and each gets its answer once")
    func shared() async throws {
        let cache = TieredCache(kvStore: ScriptedKVStore(), logger: logger)
        let origin = CallGate()
        origin.close()
        let computations = ComputeCounter()
        let tasks = await herd(cache, key: "q", count: 10, origin: origin, computations: computations)
        origin.open()
        var shared = 0
        for task in tasks {
            let result = try await task.value
            #expect(result.entry.text == "answer" && result.origin == .computed)
            if result.sharedComputation { shared += 1 }
        }
        #expect(computations.value == 1)
        #expect(shared == 9 && cache.statistics().sharedComputations == 9)
    }

    @Test("the error reaches every waiter once; nothing is retried")
    func sharedError() async {
        let cache = TieredCache(kvStore: nil, logger: logger)
        let origin = CallGate()
        origin.close()
        let computations = ComputeCounter()
        let tasks = await herd(cache, key: "q", count: 5, origin: origin, computations: computations, fails: true)
        origin.open()
        for task in tasks {
            await #expect(throws: OriginDown.self) { _ = try await task.value }
        }
        #expect(computations.value == 1)
    }

    @Test("a cancelled caller stops waiting without cancelling the others' computation")
    func cancellation() async throws {
        let cache = TieredCache(kvStore: nil, logger: logger)
        let origin = CallGate()
        origin.close()
        let computations = ComputeCounter()
        let tasks = await herd(cache, key: "q", count: 2, origin: origin, computations: computations)
        tasks[0].cancel()
        await #expect(throws: CancellationError.self) { _ = try await tasks[0].value }
        origin.open()
        #expect(try await tasks[1].value.entry.text == "answer")
        #expect(await cache.get("q")?.text == "answer", "the shared answer was stored")
        #expect(computations.value == 1)
    }

    @Test("waiters with a stale copy still get it when the shared computation fails")
    func staleWithSharedFailure() async throws {
        let cache = TieredCache(kvStore: nil, logger: logger)
        await cache.set("q", CacheEntry(text: "old", source: .kb), ttl: .milliseconds(1), staleWindow: .seconds(3600))
        try await Task.sleep(for: .milliseconds(20))
        let origin = CallGate()
        origin.close()
        let computations = ComputeCounter()
        let tasks = await herd(cache, key: "q", count: 4, origin: origin, computations: computations, fails: true)
        origin.open()
        for task in tasks {
            let result = try await task.value
            #expect(result.entry.text == "old" && result.staleReason == .originError)
        }
        #expect(computations.value == 1)
    }

    @Test("with a stale copy and a slow origin, every waiter answers stale at the soft timeout; one computation refreshes")
    func softTimeoutWithWaiters() async throws {
        let cache = TieredCache(kvStore: LockingScriptedKVStore(), logger: logger)
        await cache.set("q", CacheEntry(text: "old", source: .kb), ttl: .milliseconds(1), staleWindow: .seconds(3600))
        try await Task.sleep(for: .milliseconds(20))
        let origin = CallGate()
        origin.close()
        let computations = ComputeCounter()
        let tasks = (0..<5).map { _ in
            Task {
                try await cache.getOrCompute("q", ttl: .seconds(3600), softTimeout: .milliseconds(20)) {
                    computations.increment()
                    await origin.pass()
                    return CacheEntry(text: "new", source: .llm)
                }
            }
        }
        for task in tasks {
            let result = try await task.value
            #expect(result.entry.text == "old" && result.staleReason == .originSoftTimeout)
        }
        origin.open()
        #expect(await eventually { cache.memory.get("q")?.text == "new" })
        #expect(computations.value == 1)
    }

    @Test("a caller whose lookup missed just before a computation ended does not compute again")
    func lateJoinerFindsTheAnswer() async throws {
        let cache = TieredCache(kvStore: nil, logger: logger)
        let computations = ComputeCounter()
        _ = try await cache.getOrCompute("q") { computations.increment(); return CacheEntry(text: "a", source: .kb) }
        // As if this caller's lookup had missed before the first computation stored its answer: the
        // flight's own look at memory answers.
        let (answer, role) = try await cache.computations.run("q") {
            try await cache.computeOnce(
                CacheKey("q", namespace: "pcache", maximumBytes: 1024)!, key: "q", ttl: nil, staleWindow: nil, kvFailed: false
            ) { computations.increment(); return CacheEntry(text: "b", source: .kb) }
        }
        #expect(answer.entry.text == "a" && answer.origin == .memory && role == .leader)
        #expect(computations.value == 1)
    }
}

/// Counts the computations the origin was asked for.
final class ComputeCounter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
