import CacheCore
import CacheRedis
import Foundation
import Logging
import RedisServerSupport
import Testing

/// Memory-first reads kept coherent by the Redis backplane (issue 12), each test against its own
/// redis-server: changes made on one instance reach the other's memory, and a broken backplane bounds how
/// long memory is trusted, then resyncs.
@Suite("TieredCache memory-first over the Redis backplane")
struct TieredCacheMemoryFirstTests {
    private let logger = RedisStoreTestSupport.quietLogger

    static func configuration(staleness: Duration = .seconds(1)) -> CacheConfiguration {
        var configuration = CacheConfiguration(namespace: "memfirst")
        configuration.readStrategy = .memoryFirst
        configuration.backplane = BackplanePolicy(maximumStaleness: staleness, heartbeatInterval: .milliseconds(50))
        return configuration
    }

    private func makeCache(
        _ server: RedisServer, subscriberURL: String? = nil, staleness: Duration = .seconds(1)
    ) throws -> TieredCache {
        var redis = RedisStore.Configuration()
        redis.subscriberEndpoint = try subscriberURL.map { try RedisEndpoint(url: $0) }
        let store = RedisStore(endpoint: try RedisEndpoint(url: server.url), configuration: redis, logger: logger)
        return TieredCache(configuration: Self.configuration(staleness: staleness), kvStore: store, logger: logger)
    }


    @Test("a set and an invalidate on one instance drop the other's memory copy; hits come from memory")
    func setAndInvalidateReachTheOther() async throws {
        let server = try await RedisServer.start()
        defer { server.cleanUp() }
        // A generous bound: this test is about messages, not about the bound.
        let writer = try makeCache(server, staleness: .seconds(5))
        let reader = try makeCache(server, staleness: .seconds(5))
        #expect(await Poll.until { writer.backplaneStatus().state == .subscribed && reader.backplaneStatus().state == .subscribed })

        await writer.set("q", CacheEntry(text: "v1", source: .kb))
        await writer.waitForBackgroundWrites()
        // The set's message first: a KV read of the key in flight when it arrives is discarded (a miss), since
        // it may have read the value the message announces was replaced.
        #expect(await Poll.until { reader.backplaneStatus().messagesApplied >= 1 })
        #expect(await reader.lookup("q").tier == .kv)
        let kvReads = reader.statistics().kvLatency.count
        let second = await reader.lookup("q")
        #expect(second.tier == .memory && second.entry?.text == "v1")
        // Served from memory first: no KV round trip at all.
        #expect(reader.statistics().kvLatency.count == kvReads)

        let applied = reader.backplaneStatus().messagesApplied
        await writer.set("q", CacheEntry(text: "v2", source: .kb))
        await writer.waitForBackgroundWrites()
        #expect(await Poll.until { reader.backplaneStatus().messagesApplied > applied })
        let afterSet = await reader.lookup("q")
        #expect(afterSet.entry?.text == "v2" && afterSet.tier == .kv)
        #expect(await reader.lookup("q").tier == .memory)

        let beforeInvalidate = reader.backplaneStatus().messagesApplied
        _ = await writer.invalidate("q")
        #expect(await Poll.until { reader.backplaneStatus().messagesApplied > beforeInvalidate })
        #expect(await reader.lookup("q").entry == nil)

        // Each instance hears its own messages back and ignores them.
        #expect(writer.backplaneStatus().ownMessagesIgnored >= 2)
        #expect(writer.backplaneStatus().published >= 3)
        await writer.shutdown()
        await reader.shutdown()
        #expect(reader.backplaneStatus().state == .inactive)
    }

    @Test("kv-first stays the default and starts no backplane")
    func kvFirstIsTheDefault() async throws {
        let server = try await RedisServer.start()
        defer { server.cleanUp() }
        #expect(CacheConfiguration().readStrategy == .kvFirst)
        let store = RedisStore(endpoint: try RedisEndpoint(url: server.url), logger: logger)
        let cache = TieredCache(configuration: CacheConfiguration(namespace: "memfirst"), kvStore: store, logger: logger)
        await cache.set("q", CacheEntry(text: "v1", source: .kb))
        await cache.waitForBackgroundWrites()
        #expect(await cache.lookup("q").tier == .kv)
        #expect(cache.backplaneStatus().state == .inactive && cache.backplaneStatus().published == 0)
        let channels = try await server.command(["PUBSUB", "NUMSUB", BackplaneMessage.channel(namespace: "memfirst")])
        #expect(channels.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix(":0"))
        await cache.shutdown()
    }

    /// A writer and a reader whose memory holds "q" = v1, the reader's subscriber then killed and unable to
    /// come back (its ACL user disabled) until the test enables `backplane` again.
    private func cutOffReader(_ server: RedisServer, staleness bound: Duration) async throws -> (TieredCache, TieredCache) {
        let writer = try makeCache(server, staleness: bound)
        let reader = try makeCache(server, subscriberURL: "redis://backplane:bp-secret@127.0.0.1:\(server.port)", staleness: bound)
        #expect(await Poll.until { writer.backplaneStatus().state == .subscribed && reader.backplaneStatus().state == .subscribed })
        await writer.set("q", CacheEntry(text: "v1", source: .kb))
        await writer.waitForBackgroundWrites()
        #expect(await Poll.until { reader.backplaneStatus().messagesApplied >= 1 })
        _ = await reader.lookup("q")
        #expect(await reader.lookup("q").tier == .memory)
        _ = try await server.command(["ACL", "SETUSER", "backplane", "off"])
        _ = try await server.command(["CLIENT", "KILL", "TYPE", "pubsub"])
        return (writer, reader)
    }

    @Test("a killed subscriber: after the bound, getOrCompute computes instead of serving an invalidated memory copy")
    func untrustedMemoryIsNotServedByGetOrCompute() async throws {
        let server = try await RedisServer.start(options: .init(aclUser: ("backplane", "bp-secret")))
        defer { server.cleanUp() }
        let bound = Duration.milliseconds(300)
        let (writer, reader) = try await cutOffReader(server, staleness: bound)
        _ = await writer.invalidate("*")
        // Past the bound the reader no longer trusts memory: the KV miss must lead to a computation
        // (before the fix, the computation's own memory check answered with the invalidated v1).
        // Its last confirmation was sent before the kill, so once the bound has passed since then, it has lapsed.
        try await Task.sleep(for: bound + .milliseconds(300))
        let answer = try await reader.getOrCompute("q") { CacheEntry(text: "v2", source: .llm) }
        #expect(answer.entry.text == "v2")
        #expect(answer.origin == .computed)
        _ = try await server.command(["ACL", "SETUSER", "backplane", "on"])
        await writer.shutdown()
        await reader.shutdown()
    }

    @Test("a killed subscriber: memory trusted only within the staleness bound, then KV first, then a resync")
    func killedSubscriberBoundsStaleness() async throws {
        let server = try await RedisServer.start(options: .init(aclUser: ("backplane", "bp-secret")))
        defer { server.cleanUp() }
        let bound = Duration.milliseconds(500)
        let (writer, reader) = try await cutOffReader(server, staleness: bound)
        let killed = ContinuousClock.now
        await writer.set("q", CacheEntry(text: "v2", source: .kb))
        await writer.waitForBackgroundWrites()

        // The change was published while the reader was cut off: it serves v1 from memory, but never once
        // its last confirmation (sent before the kill) is older than the bound.
        var staleServedLate = 0
        var sawNew = false
        let end = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < end, !sawNew {
            let asked = ContinuousClock.now
            let answer = await reader.lookup("q")
            if answer.entry?.text == "v1", asked - killed > bound { staleServedLate += 1 }
            sawNew = answer.entry?.text == "v2"
            try? await Task.sleep(for: .milliseconds(5))
        }
        #expect(sawNew)
        #expect(staleServedLate == 0)
        #expect(reader.backplaneStatus().disconnects >= 1)
        #expect(reader.backplaneStatus().degradedLookups >= 1)

        // Back: the reader resubscribes and drops its memory (it may have missed messages).
        let resyncs = reader.backplaneStatus().resyncs
        _ = try await server.command(["ACL", "SETUSER", "backplane", "on"])
        #expect(await Poll.until { reader.backplaneStatus().resyncs > resyncs && reader.backplaneStatus().state == .subscribed })
        #expect(reader.memory.usage.entries == 0)
        let afterResync = await reader.lookup("q")
        #expect(afterResync.entry?.text == "v2" && afterResync.tier == .kv)
        // Memory again once the new subscription has confirmed itself (on a loaded machine the subscriber's
        // thread may wait past the bound for a core; memory is then rightly not trusted for a moment).
        #expect(await Poll.until { await reader.lookup("q").tier == .memory }, "\(reader.backplaneStatus())")
        await writer.shutdown()
        await reader.shutdown()
    }
}
