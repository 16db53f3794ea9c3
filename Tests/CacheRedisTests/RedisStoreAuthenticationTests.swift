import CacheCore
import CacheRedis
import Foundation
import RedisServerSupport
import Testing

@Suite("RedisStore authentication")
struct RedisStoreAuthenticationTests {
    typealias Support = RedisStoreTestSupport

    @Test("AUTH password for the default user")
    func password() async throws {
        try await Support.withStore(
            options: .init(password: "pa ss:wörd"),
            endpoint: { RedisEndpoint(address: .tcp(host: "127.0.0.1", port: $0.port), password: "pa ss:wörd") }
        ) { _, store in
            try await store.set("authenticated", value: [42], ttl: nil, deadline: Support.deadline())
            #expect(try await store.get("authenticated", deadline: Support.deadline()) == [42])
        }
    }

    @Test("AUTH user password for an ACL user, with a database")
    func aclUser() async throws {
        try await Support.withStore(
            options: .init(password: "admin-secret", aclUser: (name: "cache", password: "cache-secret")),
            endpoint: {
                RedisEndpoint(address: .tcp(host: "127.0.0.1", port: $0.port), username: "cache", password: "cache-secret", database: 2)
            }
        ) { server, store in
            try await store.set("acl", value: [1], ttl: nil, deadline: Support.deadline())
            #expect(try await store.get("acl", deadline: Support.deadline()) == [1])
            #expect(try await server.command(["CLIENT", "LIST"]).contains("user=cache"))
        }
    }

    @Test("a wrong password fails with .authentication, at once, and keeps failing")
    func wrongPassword() async throws {
        try await Support.withStore(
            options: .init(password: "right"),
            endpoint: { RedisEndpoint(address: .tcp(host: "127.0.0.1", port: $0.port), password: "wrong") }
        ) { _, store in
            for _ in 0..<3 {
                let started = ContinuousClock.now
                let error = await Support.expectKVError { () async throws(KVError) in
                    _ = try await store.get("k", deadline: Support.deadline(.seconds(5)))
                }
                #expect(error?.code == .authentication)
                #expect(error.map { !$0.message.contains("wrong") } ?? true, "the message must not echo the password")
                #expect(ContinuousClock.now - started < .seconds(3))
                try await Task.sleep(for: .milliseconds(60))
            }
        }
    }

    @Test("no password against a server that needs one is an authentication error")
    func missingPassword() async throws {
        try await Support.withStore(options: .init(password: "needed")) { _, store in
            let error = await Support.expectKVError { () async throws(KVError) in
                _ = try await store.get("k", deadline: Support.deadline())
            }
            #expect(error?.code == .authentication)
            #expect(error?.serverErrorPrefix == "NOAUTH")
        }
    }
}
