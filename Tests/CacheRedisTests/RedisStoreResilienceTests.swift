import CacheCore
@testable import CacheRedis
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
import RedisServerSupport
#endif

/// The connection core's guarantees that need real threads and sockets: no reconnect storm behind a peer
/// that accepts and closes, callers bounded by their deadline while the I/O thread is stalled, and name
/// resolution that never blocks the I/O thread.
@Suite("RedisStore resilience")
struct RedisStoreResilienceTests {
    typealias Support = RedisStoreTestSupport

    @Test("behind a listener that accepts and closes at once, each connection reconnects at the backoff's rate")
    func noReconnectStorm() async throws {
        let listener = try AcceptingListener(.closeAtOnce)
        defer { listener.stop() }
        let connections = 4
        let store = RedisStore(
            endpoint: RedisEndpoint(address: .tcp(host: "127.0.0.1", port: listener.port)),
            configuration: .init(connectionCount: connections, reconnectBackoff: (.milliseconds(50), .milliseconds(400))),
            logger: Support.logger)
        // Callers keep asking meanwhile, as a real server's request handlers would.
        let window = Duration.seconds(2)
        let end = ContinuousClock.now + window
        var failures = 0
        while ContinuousClock.now < end {
            if (try? await store.ping(deadline: .now + .milliseconds(200))) == nil { failures += 1 }
            try await Task.sleep(for: .milliseconds(5))
        }
        let accepted = listener.acceptedConnections
        await store.shutdown()
        // The schedule 0, 50, 150, 350, 750, 1150, 1550, 1950 ms allows 8 attempts per connection in 2 s;
        // 3× that for scheduling slack. Resetting the backoff at TCP connect would make thousands.
        #expect(accepted >= connections)
        #expect(accepted <= connections * 8 * 3, "accepted \(accepted) connections in \(window)")
        #expect(failures > 0)
    }

    @Test("a caller waits at most its deadline plus a few ms while the I/O thread is stalled")
    func stalledIOThread() async throws {
        try await Support.withStore { _, store in
            try await store.set("k", value: [1], ttl: nil, deadline: Support.deadline())
            let stallStarted = Atomic<Bool>(false)
            let onIOThread = Atomic<Bool>(false)
            // A task that prefers the store's executor runs on the I/O thread; this one blocks it for 4 s
            // (only there: never a thread of the cooperative pool, which other suites share).
            let staller = Task(executorPreference: store.executor) {
                let here = store.isOnIOThread
                onIOThread.store(here, ordering: .relaxed)
                stallStarted.store(true, ordering: .releasing)
                if here { usleep(4_000_000) }
            }
            while !stallStarted.load(ordering: .acquiring) { try await Task.sleep(for: .milliseconds(1)) }
            let ranOnIOThread = onIOThread.load(ordering: .relaxed)
            #expect(ranOnIOThread, "the staller must run on the I/O thread")
            let started = ContinuousClock.now
            let error = await Support.expectKVError { () async throws(KVError) in
                _ = try await store.get("k", deadline: .now + .milliseconds(200))
            }
            let waited = ContinuousClock.now - started
            #expect(error?.code == .timeout)
            // Not a speed check: without the deadline guard this wait would be the whole 4 s stall (the margin
            // is wide because the machine is shared; the guard's own bound is deadline + ~10 ms).
            #expect(waited < .milliseconds(2500), "waited \(waited)")
            await staller.value
            // The connection held a reply it could no longer deliver: it was closed and replaced.
            #expect(await Support.waitUntilAnswering(store))
            #expect(try await store.get("k", deadline: Support.deadline()) == [1])
        }
    }

    /// A resolver that never answers, and counts the questions.
    final class SilentResolver: RedisHostResolver {
        let questions = Atomic<Int>(0)
        let held = Mutex<[@Sendable (Result<[RedisSocketAddress], KVError>) -> Void]>([])
        func resolve(host: String, port: Int, completion: @escaping @Sendable (Result<[RedisSocketAddress], KVError>) -> Void) {
            questions.add(1, ordering: .relaxed)
            held.withLock { $0.append(completion) }
        }
    }

    @Test("a resolver that never answers: callers get their answer from memory within the deadline, and every attempt asks again")
    func silentResolver() async throws {
        let resolver = SilentResolver()
        let store = RedisStore(
            endpoint: RedisEndpoint(address: .tcp(host: "redis.invalid", port: 6379)),
            configuration: .init(connectTimeout: .milliseconds(300), reconnectBackoff: (.milliseconds(50), .milliseconds(100))),
            resolver: resolver, logger: Support.logger)
        let cache = TieredCache(configuration: CacheConfiguration(kvDeadline: .milliseconds(250)), kvStore: store, logger: Support.logger)
        await cache.set("q", CacheEntry(text: "from memory", source: .kb))
        let started = ContinuousClock.now
        let found = await cache.lookup("q")
        let waited = ContinuousClock.now - started
        #expect(found.tier == .memory && found.entry?.text == "from memory")
        // Bounded, not fast: a resolver that never answers would otherwise hold the caller forever.
        #expect(waited < .milliseconds(250) + .seconds(4), "waited \(waited)")
        // Re-resolved on every attempt: the first gave up at its connect deadline, later ones asked again.
        let end = ContinuousClock.now + .seconds(5)
        while resolver.questions.load(ordering: .relaxed) < 2, ContinuousClock.now < end {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(resolver.questions.load(ordering: .relaxed) >= 2)
        await cache.shutdown()
        await store.shutdown()
    }

    /// A resolver that answers with a fixed address after a delay.
    struct SlowResolver: RedisHostResolver {
        let delay: Duration
        let port: Int
        func resolve(host: String, port: Int, completion: @escaping @Sendable (Result<[RedisSocketAddress], KVError>) -> Void) {
            let delay = self.delay
            let answer = RedisSocketAddress(numericHost: "127.0.0.1", port: self.port)!
            Thread.detachNewThread {
                Thread.sleep(forTimeInterval: Double(delay.components.attoseconds) / 1e18 + Double(delay.components.seconds))
                completion(.success([answer]))
            }
        }
    }

    @Test("a slow resolver delays only the connect; once it answers, the store works")
    func slowResolver() async throws {
        try await Support.withStore { server, _ in
            let store = RedisStore(
                endpoint: RedisEndpoint(address: .tcp(host: "redis.example.test", port: server.port)),
                configuration: .init(connectTimeout: .seconds(2)),
                resolver: SlowResolver(delay: .milliseconds(150), port: server.port), logger: Support.logger)
            try await store.set("k", value: [7], ttl: nil, deadline: Support.deadline())
            #expect(try await store.get("k", deadline: Support.deadline()) == [7])
            await store.shutdown()
        }
    }
}
