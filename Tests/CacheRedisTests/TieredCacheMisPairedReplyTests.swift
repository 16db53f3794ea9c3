import CacheCore
import CacheRedis
import FaultProxy
import Foundation
import Logging
import RedisServerSupport
import Testing

/// Issue 7, defect 11, with replies that really reach the wrong command: a fault proxy between the cache
/// and a real redis-server drops some replies after the server ran the command (`resp_drop_reply`), so the
/// next reply on the pipelined connection answers an earlier command. The key check must refuse every
/// such reply: no wrong answer, a counted protocol error, and a new connection.
@Suite("TieredCache with replies paired to the wrong command")
struct TieredCacheMisPairedReplyTests {
    private let logger = RedisStoreTestSupport.quietLogger

    @Test("dropped replies never turn into another key's answer")
    func droppedReplies() async throws {
        let redis = try await RedisServer.start()
        defer { redis.cleanUp() }
        let registry = ProxyRegistry(seed: 7, logger: logger)
        let proxy = try await registry.createProxy(ProxyConfiguration(name: "kv", upstream: "127.0.0.1:\(redis.port)"))

        let keys = (0..<64).map { "question \($0)" }
        let writer = TieredCache(
            kvStore: RedisStore(endpoint: RedisEndpoint(address: .tcp(host: "127.0.0.1", port: redis.port)), logger: logger),
            logger: logger)
        for key in keys { await writer.set(key, CacheEntry(text: "answer to \(key)", source: .kb)) }
        #expect(await writer.waitForBackgroundWrites())

        let store = RedisStore(
            endpoint: RedisEndpoint(address: .tcp(host: "127.0.0.1", port: proxy.listenPort)),
            configuration: .init(reconnectBackoff: (.milliseconds(5), .milliseconds(20))), logger: logger)
        // Without the breaker: it would release callers with circuit_open once open, and this test counts every
        // mis-paired reply as the protocol error its caller saw.
        let reader = TieredCache(
            configuration: CacheConfiguration(kvDeadline: .milliseconds(250), circuitBreaker: .disabled), kvStore: store, logger: logger)
        _ = try await registry.addToxic(Toxic(kind: .respDropReply(every: 5)), to: proxy.name)

        let wrong = try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<16 {
                group.addTask {
                    var wrong = 0
                    for round in 0..<12 {
                        let key = keys[(worker * 7 + round * 3) % keys.count]
                        if let entry = await reader.get(key), entry.text != "answer to \(key)" { wrong += 1 }
                    }
                    return wrong
                }
            }
            return try await group.reduce(0, +)
        }
        // Answers served from memory while the KV tier failed are checked too: nothing wrong was kept there.
        #expect(wrong == 0, "a reply for another command was served")
        let stats = reader.statistics()
        #expect(stats.misPairedReplies >= 1, "with 16 pipelined callers, dropped replies shift later ones")
        #expect((stats.kvErrorsByClass[KVError.Code.protocolError.name] ?? 0) >= stats.misPairedReplies)

        try await registry.removeToxic(named: "resp_drop_reply_downstream", from: proxy.name)
        // Once the fault is gone, a replaced connection serves KV hits again, each key its own answer.
        var recovered = false
        let end = ContinuousClock.now + .seconds(10)
        while !recovered && ContinuousClock.now < end {
            recovered = await reader.lookup(keys[0]).tier == .kv
            if !recovered { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(recovered)
        var kvHits = 0
        for key in keys {
            let found = await reader.lookup(key)
            // On a loaded machine a read may still miss its deadline (then memory answers, or nothing does);
            // what is asserted is that no answer is ever another key's, and that KV hits are back.
            #expect(found.entry == nil || found.entry?.text == "answer to \(key)")
            if found.tier == .kv { kvHits += 1 }
        }
        #expect(kvHits > 0)
        await reader.shutdown()
        await writer.shutdown()
        await registry.shutdown()
    }
}
