import CacheCore
import CacheRedis
import Foundation
import RedisServerSupport
import Testing

@Suite("RedisStore under faults")
struct RedisStoreFaultTests {
    typealias Support = RedisStoreTestSupport

    /// Generous upper margin past a deadline: the machine is shared and noisy.
    static let lateMargin: Duration = .milliseconds(1500)
    /// Calls must not give up before their deadline (minus scheduling slack).
    static let earlySlack: Duration = .milliseconds(20)

    /// Runs one `get` against an unresponsive server and checks it times out within its deadline.
    private static func expectTimeout(_ store: RedisStore, key: String, after budget: Duration) async {
        let started = ContinuousClock.now
        let error = await Support.expectKVError { () async throws(KVError) in
            _ = try await store.get(key, deadline: started + budget)
        }
        let elapsed = ContinuousClock.now - started
        #expect(error?.code == .timeout, "got \(String(describing: error))")
        #expect(elapsed >= budget - earlySlack)
        #expect(elapsed <= budget + lateMargin)
    }

    /// After a first timeout, the reconnections to an unresponsive server are accepted (by the kernel) but
    /// never answered, so they count as failed attempts: the store backs off and may refuse at once instead
    /// of making the caller wait. Either outcome is right; waiting past the deadline never is.
    private static func expectTimeoutOrFastRefusal(_ store: RedisStore, key: String, after budget: Duration) async {
        let started = ContinuousClock.now
        let error = await Support.expectKVError { () async throws(KVError) in
            _ = try await store.get(key, deadline: started + budget)
        }
        let elapsed = ContinuousClock.now - started
        #expect(error?.code == .timeout || error?.code == .connectionRefused, "got \(String(describing: error))")
        if error?.code == .timeout { #expect(elapsed >= budget - earlySlack) }
        #expect(elapsed <= budget + lateMargin)
    }

    private static func seedStaleValues(_ store: RedisStore) async throws {
        for index in 0..<50 {
            try await store.set("stale:\(index)", value: Array("stale-\(index)".utf8), ttl: nil, deadline: Support.deadline())
        }
    }

    /// Issues reads whose replies can only arrive after the server resumes, i.e. too late.
    private static func issueDoomedReads(_ store: RedisStore, budget: Duration) async -> [KVError.Code?] {
        await withTaskGroup(of: KVError.Code?.self) { group in
            for index in 0..<50 {
                group.addTask {
                    do throws(KVError) {
                        _ = try await store.get("stale:\(index)", deadline: .now + budget)
                        return nil
                    } catch {
                        return error.code
                    }
                }
            }
            var codes: [KVError.Code?] = []
            for await code in group { codes.append(code) }
            return codes
        }
    }

    @Test("a SIGSTOPped server: calls time out within their deadline; afterwards no stale reply is misread")
    func frozenServer() async throws {
        try await Support.withStore { server, store in
            try await Self.seedStaleValues(store)
            server.setFrozen(true)
            await Self.expectTimeout(store, key: "stale:0", after: .milliseconds(300))
            for attempt in 1..<3 {
                await Self.expectTimeoutOrFastRefusal(store, key: "stale:\(attempt)", after: .milliseconds(300))
                // Reconnection (the kernel still accepts on a stopped server's socket) happens in the background.
                try await Task.sleep(for: .milliseconds(100))
            }
            let codes = await Self.issueDoomedReads(store, budget: .milliseconds(200))
            #expect(codes.allSatisfy { $0 == .timeout || $0 == .connectionReset || $0 == .connectionRefused })
            // The reconnections to the stopped server were accepted by the kernel but never answered, so they
            // count as failed attempts: the store backs off and fails fast instead of making callers wait.
            #expect(codes.contains(.timeout) || codes.contains(.connectionRefused))
            server.setFrozen(false)
            #expect(await Support.waitUntilAnswering(store))
            let matches = try await Support.concurrentOwnValues(store, prefix: "after-freeze")
            #expect(matches == 200)
        }
    }

    @Test("CLIENT PAUSE: calls time out; after the pause every caller reads its own value")
    func pausedClients() async throws {
        try await Support.withStore { server, store in
            try await Self.seedStaleValues(store)
            #expect(try await server.command(["CLIENT", "PAUSE", "2500", "ALL"]).hasPrefix("+OK"))
            await Self.expectTimeout(store, key: "stale:1", after: .milliseconds(300))
            try await Task.sleep(for: .milliseconds(100))
            await Self.expectTimeoutOrFastRefusal(store, key: "stale:2", after: .milliseconds(300))
            let codes = await Self.issueDoomedReads(store, budget: .milliseconds(300))
            #expect(codes.allSatisfy { $0 == .timeout || $0 == .connectionReset || $0 == .connectionRefused })
            #expect(await Support.waitUntilAnswering(store))
            let matches = try await Support.concurrentOwnValues(store, prefix: "after-pause")
            #expect(matches == 200)
        }
    }

    @Test("redis killed: calls fail fast; after restart the same store works again")
    func killedAndRestarted() async throws {
        try await Support.withStore(configuration: .init(reconnectBackoff: (.milliseconds(20), .milliseconds(200)))) { server, store in
            try await store.set("durable?", value: [1], ttl: nil, deadline: Support.deadline())
            await server.kill()
            for _ in 0..<5 {
                let started = ContinuousClock.now
                let error = await Support.expectKVError { () async throws(KVError) in
                    _ = try await store.get("k", deadline: started + .seconds(2))
                }
                #expect(error?.code == .connectionRefused || error?.code == .connectionReset, "got \(String(describing: error))")
                #expect(ContinuousClock.now - started < .milliseconds(500), "must fail fast, not wait for the deadline")
                try await Task.sleep(for: .milliseconds(30))
            }
            try await server.restart()
            #expect(await Support.waitUntilAnswering(store, within: .seconds(5)))
            try await store.set("back", value: [2], ttl: nil, deadline: Support.deadline())
            #expect(try await store.get("back", deadline: Support.deadline()) == [2])
        }
    }

    @Test("no server at all: the first calls fail with connectionRefused, without waiting for the deadline")
    func nothingListening() async throws {
        let port = try freeLoopbackPort()
        let store = RedisStore(endpoint: RedisEndpoint(address: .tcp(host: "127.0.0.1", port: port)), logger: Support.logger)
        let started = ContinuousClock.now
        let error = await Support.expectKVError { () async throws(KVError) in
            try await store.ping(deadline: started + .seconds(10))
        }
        #expect(error?.code == .connectionRefused)
        // Well before the 10 s deadline: a refused connect fails the held call at once. The margin is wide
        // because the test machine is shared (this bound failed at 1 s under load on main too).
        #expect(ContinuousClock.now - started < .seconds(5), "\(String(describing: error))")
        await store.shutdown()
    }

    @Test("shutdown fails in-flight commands with shutDown and does not hang")
    func shutdownWhileInFlight() async throws {
        try await Support.withStore { server, store in
            try await store.ping(deadline: Support.deadline())
            server.setFrozen(true)
            async let pending: KVError.Code? = {
                do throws(KVError) {
                    _ = try await store.get("k", deadline: .now + .seconds(10))
                    return nil
                } catch {
                    return error.code
                }
            }()
            try await Task.sleep(for: .milliseconds(100))
            let started = ContinuousClock.now
            await store.shutdown()
            #expect(await pending == .shutDown)
            #expect(ContinuousClock.now - started < .seconds(2))
        }
    }
}
