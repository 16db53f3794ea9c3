import CacheCore
import CacheRedis
import Foundation
import Logging
import RedisServerSupport
import Testing

/// Issue 7 against real servers: entries that cannot be proven to belong to the key asked for are never
/// served, replies paired with the wrong command close their connection, and keys another client wrote
/// with bytes that are not UTF-8 are deleted by an invalidation.
@Suite("TieredCache hostile entries over Redis")
struct TieredCacheHostileEntryTests {
    private let logger = RedisStoreTestSupport.quietLogger

    private func makeCache(port: Int) -> TieredCache {
        let store = RedisStore(
            endpoint: RedisEndpoint(address: .tcp(host: "127.0.0.1", port: port)),
            configuration: .init(reconnectBackoff: (.milliseconds(10), .milliseconds(50))), logger: logger)
        return TieredCache(kvStore: store, logger: logger)
    }

    @Test("entries without a key, or naming another key, stored at cache keys are never served")
    func plantedEntries() async throws {
        let server = try await RedisServer.start()
        defer { server.cleanUp() }
        let keyless = #"{"v":1,"value":"planted","source":"kb","createdAt":1764265200000}"#
        let foreign = String(decoding: CacheEntryCodec.encode(CacheEntry(text: "for b", source: .kb), key: "b", expiresAt: nil), as: UTF8.self)
        _ = try await server.command(["SET", "pcache:a", keyless])
        _ = try await server.command(["SET", "pcache:c", foreign])
        let cache = makeCache(port: server.port)
        await cache.set("good", CacheEntry(text: "mine", source: .kb))
        await cache.waitForBackgroundWrites()
        for _ in 0..<3 {
            #expect(await cache.get("a") == nil)
            #expect(await cache.get("c") == nil)
            // The refused reply closed the connection; wait until a new one serves KV hits again.
            let end = ContinuousClock.now + .seconds(10)
            while await cache.lookup("good").tier != .kv && ContinuousClock.now < end {
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        await cache.waitForBackgroundWrites()
        #expect(try await server.command(["GET", "pcache:a"]).contains("planted"), "a key-less entry is never written back")
        let fresh = makeCache(port: server.port)
        #expect(await fresh.lookup("good").tier == .kv, "the connection closed for the foreign entry was replaced")
        let stats = cache.statistics()
        #expect(stats.keylessEntries == 3)
        #expect(stats.misPairedReplies == 3)
        #expect(stats.kvErrorsByClass[KVError.Code.protocolError.name] == 3)
        #expect(stats.kvHits == 3, "only the entry that names its key is served")
        await cache.shutdown()
        await fresh.shutdown()
    }

    @Test("a server whose replies belong to other commands: no wrong answer, protocol error counted, connection replaced", arguments: [
        #"{"createdAt":1764265200000,"key":"another question","source":"kb","v":1,"value":"wrong answer"}"#,
        #"{"createdAt":1764265200000,"source":"kb","v":1,"value":"wrong answer"}"#,
    ])
    func misPairedReplies(envelope: String) async throws {
        let reply = "$\(envelope.utf8.count)\r\n\(envelope)\r\n"
        let server = try RedisStoreMisbehavingServer(answer: Array(reply.utf8))
        defer { server.stop() }
        let cache = makeCache(port: server.port)
        for index in 0..<5 {
            #expect(await cache.get("question \(index)") == nil, "never the other command's answer")
        }
        let stats = cache.statistics()
        if envelope.contains(#""key""#) {
            // Calls made while the closed connection is being replaced fail fast instead: at least one is refused.
            #expect(stats.misPairedReplies >= 1)
            #expect((stats.kvErrorsByClass[KVError.Code.protocolError.name] ?? 0) == stats.misPairedReplies)
            let end = ContinuousClock.now + .seconds(5)
            while server.acceptedConnections < 2 && ContinuousClock.now < end {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(server.acceptedConnections >= 2, "the connection that delivered it is closed and replaced")
        } else {
            #expect(stats.keylessEntries == 5)
        }
        #expect(stats.kvHits == 0 && stats.memoryHits == 0)
        await cache.shutdown()
    }

    @Test("a key that is not UTF-8, written by another client inside the namespace, is deleted by invalidate(\"*\")")
    func binaryKeyIsDeleted() async throws {
        let server = try await RedisServer.start()
        defer { server.cleanUp() }
        // Lua builds the key from raw bytes, which a Swift String cannot hold.
        let setBinary = "return redis.call('SET', 'pcache:' .. string.char(255, 254, 10) .. 'x', 'v')"
        _ = try await server.command(["EVAL", setBinary, "0"])
        _ = try await server.command(["SET", "other:keep", "1"])
        let cache = makeCache(port: server.port)
        await cache.set("q", CacheEntry(text: "a", source: .kb))
        await cache.waitForBackgroundWrites()
        let report = await cache.invalidate("*")
        #expect(report.kvComplete)
        #expect(report.kvRemoved == 2)
        let exists = "return redis.call('EXISTS', 'pcache:' .. string.char(255, 254, 10) .. 'x')"
        #expect(try await server.command(["EVAL", exists, "0"]).hasPrefix(":0"))
        #expect(try await server.command(["DBSIZE"]).hasPrefix(":1"))
        await cache.shutdown()
    }
}
