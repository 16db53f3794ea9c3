import CacheCore
import CacheRedis
import RedisServerSupport
import Testing

/// The two read guards of ``KVStore/get(_:maximumBytes:verify:deadline:)`` against a real redis-server:
/// a value over the limit is never transferred whole, and a reply that fails the caller's check closes the
/// connection it came on.
@Suite("RedisStore bounded and verified reads")
struct RedisStoreBoundedReadTests {
    typealias Support = RedisStoreTestSupport

    @Test("a value over the limit is refused as value_too_large; one at the limit is read whole")
    func sizeLimit() async throws {
        try await Support.withStore { _, store in
            try await store.set("big", value: [UInt8](repeating: 7, count: 4096), ttl: nil, deadline: Support.deadline())
            try await store.set("exact", value: [UInt8](repeating: 8, count: 100), ttl: nil, deadline: Support.deadline())
            let error = await Support.expectKVError { () async throws(KVError) in
                _ = try await store.get("big", maximumBytes: 4095, verify: nil, deadline: Support.deadline())
            }
            #expect(error?.code == .valueTooLarge)
            let exact = try await store.get("exact", maximumBytes: 100, verify: nil, deadline: Support.deadline())
            #expect(exact == [UInt8](repeating: 8, count: 100))
            #expect(try await store.get("absent", maximumBytes: 100, verify: nil, deadline: Support.deadline()) == nil)
        }
    }

    @Test("a reply that fails the caller's check is a protocol error, and the store reconnects")
    func failedCheckClosesConnection() async throws {
        try await Support.withStore { server, store in
            try await store.set("k", value: Array("theirs".utf8), ttl: nil, deadline: Support.deadline())
            let before = try await Support.infoField("total_connections_received", section: "stats", of: server)
            let error = await Support.expectKVError { () async throws(KVError) in
                _ = try await store.get("k", maximumBytes: .max, verify: { $0 == Array("mine".utf8) }, deadline: Support.deadline())
            }
            #expect(error?.code == .protocolError)
            #expect(await Support.waitUntilAnswering(store))
            let accepted = try await store.get("k", maximumBytes: .max, verify: { $0 == Array("theirs".utf8) }, deadline: Support.deadline())
            #expect(accepted == Array("theirs".utf8))
            let after = try await Support.infoField("total_connections_received", section: "stats", of: server)
            #expect(after > before, "the connection that delivered the rejected reply was replaced")
        }
    }
}
