import CacheCore
import CacheRedis
import Foundation
import RedisServerSupport
import Testing

@Suite("RedisStore server error replies")
struct RedisStoreServerErrorTests {
    typealias Support = RedisStoreTestSupport

    /// Connections the server has accepted so far; `INFO` itself opens one.
    private static func connectionsReceived(_ server: RedisServer) async throws -> Int {
        try await Support.infoField("total_connections_received", section: "stats", of: server)
    }

    @Test("-OOM is a server error with its prefix, and the connection stays in use")
    func outOfMemory() async throws {
        try await Support.withStore { server, store in
            try await store.set("before", value: [1], ttl: nil, deadline: Support.deadline())
            _ = try await server.command(["CONFIG", "SET", "maxmemory-policy", "noeviction"])
            _ = try await server.command(["CONFIG", "SET", "maxmemory", "1"])
            let connectionsBefore = try await Self.connectionsReceived(server)
            let error = await Support.expectKVError { () async throws(KVError) in
                try await store.set("refused", value: [2], ttl: nil, deadline: Support.deadline())
            }
            #expect(error?.code == .serverError)
            #expect(error?.serverErrorPrefix == "OOM")
            #expect(try await store.get("before", deadline: Support.deadline()) == [1])
            // Only our own INFO connection was opened in between: the store did not reconnect.
            #expect(try await Self.connectionsReceived(server) == connectionsBefore + 1)
            _ = try await server.command(["CONFIG", "SET", "maxmemory", "0"])
            try await store.set("after", value: [3], ttl: nil, deadline: Support.deadline())
            #expect(try await store.get("after", deadline: Support.deadline()) == [3])
        }
    }

    @Test("-READONLY is a server error with its prefix, and reads keep working")
    func readOnlyReplica() async throws {
        let unusedPort = try freeLoopbackPort()
        try await Support.withStore { server, store in
            try await store.set("kept", value: [7], ttl: nil, deadline: Support.deadline())
            _ = try await server.command(["REPLICAOF", "127.0.0.1", String(unusedPort)])
            let error = await Support.expectKVError { () async throws(KVError) in
                try await store.set("refused", value: [8], ttl: nil, deadline: Support.deadline())
            }
            #expect(error?.code == .serverError)
            #expect(error?.serverErrorPrefix == "READONLY")
            #expect(try await store.get("kept", deadline: Support.deadline()) == [7])
            _ = try await server.command(["REPLICAOF", "NO", "ONE"])
            try await store.set("writable", value: [9], ttl: nil, deadline: Support.deadline())
            #expect(try await store.get("writable", deadline: Support.deadline()) == [9])
        }
    }

    @Test("delete falls back to DEL when the server does not know UNLINK")
    func unlinkFallback() async throws {
        try await Support.withStore(options: .init(extraArguments: ["--rename-command", "UNLINK", ""])) { _, store in
            try await store.set("a", value: [1], ttl: nil, deadline: Support.deadline())
            try await store.set("b", value: [2], ttl: nil, deadline: Support.deadline())
            #expect(try await store.delete(["a", "b", "c"], deadline: Support.deadline()) == 2)
            #expect(try await store.get("a", deadline: Support.deadline()) == nil)
            try await store.set("c", value: [3], ttl: nil, deadline: Support.deadline())
            #expect(try await store.delete(["c"], deadline: Support.deadline()) == 1)
        }
    }
}
