import CacheCore
import CacheRedis
import Foundation
import RedisServerSupport
import Testing

@Suite("RedisStore executor preference")
struct RedisStoreExecutorTests {
    typealias Support = RedisStoreTestSupport

    @Test("callers preferring the I/O thread's executor get correct answers, also 200 at once")
    func roundTripsOnTheIOThread() async throws {
        try await Support.withStore { _, store in
            let matches = try await withTaskExecutorPreference(store.executor) {
                try await store.set("on-io-thread", value: [1, 2], ttl: nil, deadline: Support.deadline())
                #expect(try await store.get("on-io-thread", deadline: Support.deadline()) == [1, 2])
                return try await Support.concurrentOwnValues(store, prefix: "executor")
            }
            #expect(matches == 200)
        }
    }

    @Test("deadlines still hold for callers on the I/O thread's executor")
    func timeoutOnTheIOThread() async throws {
        try await Support.withStore { server, store in
            try await store.ping(deadline: Support.deadline())
            server.setFrozen(true)
            let started = ContinuousClock.now
            let code: KVError.Code? = await withTaskExecutorPreference(store.executor) {
                do throws(KVError) {
                    _ = try await store.get("k", deadline: started + .milliseconds(300))
                    return nil
                } catch {
                    return error.code
                }
            }
            let elapsed = ContinuousClock.now - started
            #expect(code == .timeout)
            #expect(elapsed >= .milliseconds(280))
            #expect(elapsed <= .milliseconds(1800))
        }
    }

    @Test("tasks preferring the executor still finish after shutdown")
    func afterShutdown() async throws {
        try await Support.withStore { _, store in
            try await store.ping(deadline: Support.deadline())
            await store.shutdown()
            let code: KVError.Code? = await withTaskExecutorPreference(store.executor) {
                do throws(KVError) {
                    try await store.ping(deadline: Support.deadline())
                    return nil
                } catch {
                    return error.code
                }
            }
            #expect(code == .shutDown)
        }
    }
}
