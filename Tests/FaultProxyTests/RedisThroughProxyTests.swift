import FaultProxy
import Foundation
import Logging
import RedisServerSupport
import Testing

@Suite("redis-server through the proxy")
struct RedisThroughProxyTests {
    private func withRedisProxy(_ body: (ProxyRegistry, ProxyState, RedisServer) async throws -> Void) async throws {
        try await FaultProxyTests.withRedisProxy(name: "redis", seed: 9, body)
    }

    @Test("commands and replies pass unchanged, pipelined")
    func plainTraffic() async throws {
        try await withRedisProxy { _, proxy, _ in
            let client = try await TestConnection.connect(port: proxy.listenPort)
            defer { client.close() }
            var batch = resp("PING")
            var expected = "+PONG\r\n"
            for index in 0..<200 {
                batch += resp("SET", "key:\(index)", "value-\(index)")
                expected += "+OK\r\n"
            }
            for index in 0..<200 {
                batch += resp("GET", "key:\(index)")
                expected += "$\("value-\(index)".utf8.count)\r\nvalue-\(index)\r\n"
            }
            try await client.send(batch)
            #expect(try await client.waitForText(expected) == expected)
        }
    }

    @Test("a latency toxic delays Redis replies, and removing it restores them")
    func latencyOnRedis() async throws {
        try await withRedisProxy { registry, proxy, _ in
            let client = try await TestConnection.connect(port: proxy.listenPort)
            defer { client.close() }
            try await client.send(resp("SET", "k", "v"))
            _ = try await client.waitForText("+OK\r\n")

            _ = try await registry.addToxic(Toxic(kind: .latency(latency: 150)), to: proxy.name)
            let start = ContinuousClock.now
            try await client.send(resp("GET", "k"))
            #expect(try await client.waitForText("+OK\r\n$1\r\nv\r\n") == "+OK\r\n$1\r\nv\r\n")
            #expect(ContinuousClock.now - start >= .milliseconds(150))

            try await registry.removeToxic(named: "latency_downstream", from: proxy.name)
            try await client.send(resp("PING"))
            #expect(try await client.waitForText("+OK\r\n$1\r\nv\r\n+PONG\r\n").hasSuffix("+PONG\r\n"))
        }
    }

    @Test("the writes made through the proxy are in redis-server")
    func writesLand() async throws {
        try await withRedisProxy { _, proxy, redis in
            let client = try await TestConnection.connect(port: proxy.listenPort)
            defer { client.close() }
            try await client.send(resp("SET", "through-proxy", "yes"))
            _ = try await client.waitForText("+OK\r\n")
            // A second connection straight to the server (not through the proxy).
            let direct = try await TestConnection.connect(port: redis.port)
            defer { direct.close() }
            try await direct.send(resp("GET", "through-proxy"))
            #expect(try await direct.waitForText("$3\r\nyes\r\n") == "$3\r\nyes\r\n")
        }
    }

    @Test("reset_peer on the reply stream resets a Redis client")
    func resetPeerOnRedis() async throws {
        try await withRedisProxy { registry, proxy, _ in
            _ = try await registry.addToxic(Toxic(kind: .resetPeer(timeout: 0)), to: proxy.name)
            let client = try await TestConnection.connect(port: proxy.listenPort)
            defer { client.close() }
            try await client.send(resp("PING"))
            #expect(try await client.waitForEnding() == .failed(errno: ECONNRESET))
            #expect(client.receivedCount == 0)
        }
    }
}
