import CacheCore
import CacheRedis
import Foundation
import Logging
import RedisServerSupport
import Testing
import PersistentCache

/// `rediss://` against a real redis-server with a TLS port, certificates made at run time. Serialized: each
/// test starts a server and several `openssl` processes, and the other suites' timing bounds share the cores.
@Suite("RedisStore over TLS", .serialized)
struct RedisStoreTLSTests {
    typealias Support = RedisStoreTestSupport

    /// A TLS redis-server with its certificates; both cleaned up after `body`.
    static func withTLSServer<T>(_ body: (RedisServer, Int, TLSTestCertificates) async throws -> T) async throws -> T {
        let certificates = try await TLSTestCertificates.make()
        defer { certificates.cleanUp() }
        // The TLS port is chosen here, so a start that loses it to another suite's server retries with another.
        var attempt = 0
        while true {
            attempt += 1
            let tlsPort = try freeLoopbackPort()
            let server: RedisServer
            do {
                server = try await RedisServer.start(options: .init(extraArguments: certificates.serverArguments(tlsPort: tlsPort)))
            } catch where attempt < 4 {
                continue
            }
            defer { server.cleanUp() }
            return try await body(server, tlsPort, certificates)
        }
    }

    @Test("hit and miss through TieredCache.fromEnvironment with KV_URL=rediss://…?ssl_ca_certs=…")
    func hitAndMiss() async throws {
        try await Self.withTLSServer { server, tlsPort, certificates in
            let url = "rediss://127.0.0.1:\(tlsPort)?ssl_ca_certs=\(certificates.caPath)"
            let writer = TieredCache.fromEnvironment(["KV_URL": url], logger: Support.logger)
            let reader = TieredCache.fromEnvironment(["KV_URL": url], logger: Support.logger)
            #expect(writer.mode == "redis")
            #expect(await reader.lookup("never stored").entry == nil)
            await writer.set("over tls", CacheEntry(text: "encrypted in transit", source: .kb))
            await writer.waitForBackgroundWrites()
            let found = await reader.lookup("over tls")
            #expect(found.tier == .kv)
            #expect(found.entry?.text == "encrypted in transit")
            #expect(reader.statistics().kvErrorsByClass.isEmpty)
            // It really went over the TLS port: the plain port's server sees the key too (same server).
            let exists = try await server.command(["EXISTS", "pcache:over tls"])
            #expect(exists.hasPrefix(":1"))
            await writer.shutdown()
            await reader.shutdown()
        }
    }

    @Test("host name verification: localhost resolves off the I/O thread, SNI and name match the certificate")
    func hostName() async throws {
        try await Self.withTLSServer { _, tlsPort, certificates in
            let endpoint = try RedisEndpoint(url: "rediss://localhost:\(tlsPort)?ssl_ca_certs=\(certificates.caPath)")
            let store = RedisStore(endpoint: endpoint, logger: Support.logger)
            try await store.set("k", value: Array("v".utf8), ttl: nil, deadline: Support.deadline())
            #expect(try await store.get("k", deadline: Support.deadline()) == Array("v".utf8))
            await store.shutdown()
        }
    }

    /// A store on `url` whose first ping must fail with a `tls` error.
    static func refusedStore(_ url: String) async throws -> RedisStore {
        let store = RedisStore(endpoint: try RedisEndpoint(url: url), logger: Support.logger)
        let error = await Support.expectKVError { () async throws(KVError) in
            try await store.ping(deadline: Support.deadline())
        }
        #expect(error?.code == .tls, "\(String(describing: error))")
        return store
    }

    @Test("a wrong CA is a classified tls error, and the cache answers from memory")
    func wrongCA() async throws {
        try await Self.withTLSServer { _, tlsPort, certificates in
            let store = try await Self.refusedStore("rediss://127.0.0.1:\(tlsPort)?ssl_ca_certs=\(certificates.otherCAPath)")
            let cache = TieredCache(configuration: CacheConfiguration(kvDeadline: .milliseconds(500)), kvStore: store, logger: Support.logger)
            await cache.set("q", CacheEntry(text: "from memory", source: .kb))
            let found = await cache.lookup("q")
            #expect(found.tier == .memory && found.entry?.text == "from memory")
            #expect((cache.statistics().kvErrorsByClass["tls"] ?? 0) >= 1)
            await cache.shutdown()
            await store.shutdown()
        }
    }

    @Test("ssl_cert_reqs=none connects without verifying (wrong CA, wrong name)")
    func noVerification() async throws {
        try await Self.withTLSServer { _, tlsPort, certificates in
            let endpoint = try RedisEndpoint(url: "rediss://127.0.0.1:\(tlsPort)?ssl_cert_reqs=none&ssl_ca_certs=\(certificates.otherCAPath)")
            let store = RedisStore(endpoint: endpoint, logger: Support.logger)
            try await store.ping(deadline: Support.deadline())
            await store.shutdown()
        }
    }

    @Test("the system trust store is the default: a private CA's server is refused without ssl_ca_certs")
    func systemTrustStoreByDefault() async throws {
        try await Self.withTLSServer { _, tlsPort, _ in
            let store = try await Self.refusedStore("rediss://127.0.0.1:\(tlsPort)")
            await store.shutdown()
        }
    }

    @Test("a server that accepts and stalls mid-handshake is bounded by the connect deadline")
    func stalledHandshake() async throws {
        let listener = try AcceptingListener(.holdSilently)
        defer { listener.stop() }
        let store = RedisStore(
            endpoint: try RedisEndpoint(url: "rediss://127.0.0.1:\(listener.port)?ssl_cert_reqs=none"),
            configuration: .init(connectTimeout: .milliseconds(300)), logger: Support.logger)
        let started = ContinuousClock.now
        let error = await Support.expectKVError { () async throws(KVError) in
            try await store.ping(deadline: .now + .seconds(10))
        }
        let waited = ContinuousClock.now - started
        // The caller's own deadline is 10 s: what ended the wait is the 300 ms connect deadline.
        #expect(error?.code == .connectionRefused)
        #expect(waited < .seconds(5))
        #expect(listener.acceptedConnections >= 1)
        await store.shutdown()
    }

    @Test("reconnects over TLS after kill -9 and a restart")
    func reconnectAfterKill() async throws {
        try await Self.withTLSServer { server, tlsPort, certificates in
            let endpoint = try RedisEndpoint(url: "rediss://127.0.0.1:\(tlsPort)?ssl_ca_certs=\(certificates.caPath)")
            let store = RedisStore(endpoint: endpoint, configuration: .init(reconnectBackoff: (.milliseconds(20), .milliseconds(200))), logger: Support.logger)
            try await store.set("before", value: [1], ttl: nil, deadline: Support.deadline())
            await server.kill()
            let error = await Support.expectKVError { () async throws(KVError) in
                try await store.ping(deadline: Support.deadline(.milliseconds(500)))
            }
            #expect(error != nil)
            try await server.restart()
            #expect(await Support.waitUntilAnswering(store))
            try await store.set("after", value: [2], ttl: nil, deadline: Support.deadline())
            #expect(try await store.get("after", deadline: Support.deadline()) == [2])
            await store.shutdown()
        }
    }
}
