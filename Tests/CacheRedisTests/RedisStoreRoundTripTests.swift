import CacheCore
import CacheRedis
import Foundation
import RedisServerSupport
import Testing

@Suite("RedisStore round trips")
struct RedisStoreRoundTripTests {
    typealias Support = RedisStoreTestSupport

    @Test("get, set, delete and ping round trip")
    func basicRoundTrip() async throws {
        try await Support.withStore { _, store in
            try await store.ping(deadline: Support.deadline())
            #expect(try await store.get("missing", deadline: Support.deadline()) == nil)
            try await store.set("greeting", value: Array("olá".utf8), ttl: nil, deadline: Support.deadline())
            #expect(try await store.get("greeting", deadline: Support.deadline()) == Array("olá".utf8))
            try await store.set("greeting", value: Array("bye".utf8), ttl: .seconds(60), deadline: Support.deadline())
            #expect(try await store.get("greeting", deadline: Support.deadline()) == Array("bye".utf8))
            #expect(try await store.delete(["greeting", "missing"], deadline: Support.deadline()) == 1)
            #expect(try await store.get("greeting", deadline: Support.deadline()) == nil)
            #expect(try await store.delete([], deadline: Support.deadline()) == 0)
            #expect(store.backendName == "redis")
        }
    }

    @Test("binary values, an empty value and a 1 MiB value survive unchanged")
    func binaryValues() async throws {
        try await Support.withStore { _, store in
            let allBytes = (0..<1024).map { UInt8(truncatingIfNeeded: $0 &* 7) } + [0, 13, 10, 0, 255]
            try await store.set("binary", value: allBytes, ttl: nil, deadline: Support.deadline())
            #expect(try await store.get("binary", deadline: Support.deadline()) == allBytes)

            try await store.set("empty-value", value: [], ttl: nil, deadline: Support.deadline())
            #expect(try await store.get("empty-value", deadline: Support.deadline()) == [])

            var generator = SystemRandomNumberGenerator()
            let large = (0..<(1 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            try await store.set("large", value: large, ttl: nil, deadline: Support.deadline())
            let readBack = try await store.get("large", deadline: Support.deadline())
            #expect(readBack?.count == large.count)
            #expect(readBack == large)
        }
    }

    @Test("awkward keys: empty, spaces, newlines, unicode, glob characters", arguments: [
        "", "with space", "line\nbreak\r\n", "ünïcødé ✓ 日本", "glob*?[a-z]\\", "\"quoted\" 'key'",
    ])
    func awkwardKeys(key: String) async throws {
        try await Support.withStore { server, store in
            let value = Array("value for \(key)".utf8)
            try await store.set(key, value: value, ttl: nil, deadline: Support.deadline())
            #expect(try await store.get(key, deadline: Support.deadline()) == value)
            // Only that exact key exists on the server.
            #expect(try await server.command(["DBSIZE"]).hasPrefix(":1"))
            #expect(try await store.delete([key], deadline: Support.deadline()) == 1)
            #expect(try await store.get(key, deadline: Support.deadline()) == nil)
        }
    }

    @Test("SET with PX expiry expires")
    func expiry() async throws {
        try await Support.withStore { server, store in
            // The TTL reaches the server in milliseconds…
            try await store.set("long-lived", value: [1], ttl: .seconds(60), deadline: Support.deadline())
            let ttl = try await server.command(["PTTL", "long-lived"]).dropFirst().trimmingCharacters(in: .whitespacesAndNewlines)
            #expect((50_000...60_000).contains(Int(ttl) ?? -1), "PTTL was \(ttl)")
            // …and the key really expires.
            try await store.set("short-lived", value: [1, 2, 3], ttl: .milliseconds(150), deadline: Support.deadline())
            try await Task.sleep(for: .milliseconds(400))
            #expect(try await store.get("short-lived", deadline: Support.deadline()) == nil)
            #expect(try await store.get("long-lived", deadline: Support.deadline()) == [1])
        }
    }

    @Test("a non-positive TTL is refused as an invalid request")
    func invalidTTL() async throws {
        try await Support.withStore { _, store in
            let error = await Support.expectKVError { () async throws(KVError) in
                try await store.set("k", value: [1], ttl: .zero, deadline: Support.deadline())
            }
            #expect(error?.code == .invalidRequest)
        }
    }

    @Test("scan walks every matching key and only those, with glob patterns")
    func scan() async throws {
        try await Support.withStore { _, store in
            for index in 0..<250 {
                try await store.set("scan:a:\(index)", value: [UInt8(index % 256)], ttl: nil, deadline: Support.deadline())
            }
            for index in 0..<30 {
                try await store.set("other:\(index)", value: [1], ttl: nil, deadline: Support.deadline())
            }
            var found = Set<String>()
            var cursor: UInt64 = 0
            var steps = 0
            repeat {
                let page = try await store.scan(cursor: cursor, match: "scan:a:*", count: 50, deadline: Support.deadline())
                found.formUnion(page.keys.map { String(decoding: $0, as: UTF8.self) })
                cursor = page.nextCursor
                steps += 1
            } while cursor != 0 && steps < 10_000
            #expect(found == Set((0..<250).map { "scan:a:\($0)" }))
            #expect(steps > 1)
        }
    }

    @Test("200 concurrent callers each read back their own value")
    func concurrentCallers() async throws {
        try await Support.withStore { _, store in
            let matches = try await Support.concurrentOwnValues(store, prefix: "concurrent")
            #expect(matches == 200)
        }
    }

    @Test("several connections share the load and stay correct")
    func severalConnections() async throws {
        try await Support.withStore(configuration: .init(connectionCount: 3)) { server, store in
            #expect(try await Support.concurrentOwnValues(store, prefix: "pool", count: 300) == 300)
            let clients = try await server.command(["CLIENT", "LIST"])
            #expect(clients.split(separator: "\n").filter { $0.contains("cmd=") }.count >= 3)
        }
    }

    @Test("a unix socket endpoint works")
    func unixSocket() async throws {
        try await Support.withStore(endpoint: { RedisEndpoint(address: .unixSocket(path: $0.socketPath)) }) { _, store in
            try await store.set("over-unix", value: Array("yes".utf8), ttl: nil, deadline: Support.deadline())
            #expect(try await store.get("over-unix", deadline: Support.deadline()) == Array("yes".utf8))
            #expect(try await Support.concurrentOwnValues(store, prefix: "unix") == 200)
        }
    }

    @Test("database selection isolates keys")
    func databaseSelection() async throws {
        try await Support.withStore(endpoint: { RedisEndpoint(address: .tcp(host: "127.0.0.1", port: $0.port), database: 3) }) { server, store in
            try await store.set("isolated", value: Array("db3".utf8), ttl: nil, deadline: Support.deadline())
            let database0 = RedisStore(
                endpoint: RedisEndpoint(address: .tcp(host: "127.0.0.1", port: server.port)), logger: Support.logger)
            let seenFromZero = try await database0.get("isolated", deadline: Support.deadline())
            await database0.shutdown()
            #expect(seenFromZero == nil)
            #expect(try await store.get("isolated", deadline: Support.deadline()) == Array("db3".utf8))
            #expect(try await server.command(["SELECT", "3"]).hasPrefix("+OK"))
        }
    }

    @Test("calls after shutdown fail with shutDown")
    func afterShutdown() async throws {
        try await Support.withStore { _, store in
            try await store.ping(deadline: Support.deadline())
            await store.shutdown()
            let error = await Support.expectKVError { () async throws(KVError) in
                _ = try await store.get("k", deadline: Support.deadline())
            }
            #expect(error?.code == .shutDown)
        }
    }
}

@Suite("RedisStore resource hygiene")
struct RedisStoreResourceTests {
    typealias Support = RedisStoreTestSupport

    private static func connectedClients(_ server: RedisServer) async throws -> Int {
        try await Support.infoField("connected_clients", section: "clients", of: server)
    }

    @Test("shutdown closes every connection: starting and stopping stores leaves no client behind")
    func noLeakedConnections() async throws {
        let server = try await RedisServer.start()
        defer { server.cleanUp() }
        let baseline = try await Self.connectedClients(server)
        for round in 0..<10 {
            let store = RedisStore(
                endpoint: RedisEndpoint(address: .tcp(host: "127.0.0.1", port: server.port)),
                configuration: .init(connectionCount: 2), logger: Support.logger)
            try await store.set("round", value: [UInt8(round)], ttl: nil, deadline: Support.deadline())
            await store.shutdown()
        }
        // The server notices closed sockets on its next event loop turn; allow it a moment.
        var remaining = try await Self.connectedClients(server)
        let end = ContinuousClock.now + .seconds(5)
        while remaining > baseline && ContinuousClock.now < end {
            try await Task.sleep(for: .milliseconds(20))
            remaining = try await Self.connectedClients(server)
        }
        #expect(remaining == baseline)
    }
}
