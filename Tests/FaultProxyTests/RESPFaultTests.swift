import FaultProxy
import Foundation
import Logging
import RedisServerSupport
import Testing

@Suite("RESP scanner")
struct RESPScannerTests {
    private func reply(_ text: String) -> RESPScanner.Message {
        Array(text.utf8).withUnsafeBytes { RESPScanner.reply(in: $0) }
    }

    private func command(_ text: String) -> RESPScanner.Message {
        Array(text.utf8).withUnsafeBytes { RESPScanner.command(in: $0) }
    }

    @Test("simple, bulk and aggregate replies, complete and split")
    func replies() {
        #expect(reply("+OK\r\n+PONG\r\n") == .complete(length: 5))
        #expect(reply("-ERR x\r\n") == .complete(length: 8))
        #expect(reply(":12\r\n") == .complete(length: 5))
        #expect(reply("$5\r\nhe\r\no\r\n") == .complete(length: 11))
        #expect(reply("$5\r\nhel") == .incomplete)
        #expect(reply("$-1\r\n") == .complete(length: 5))
        #expect(reply("*2\r\n$1\r\na\r\n*1\r\n:1\r\n") == .complete(length: 19))
        #expect(reply("*2\r\n$1\r\na\r\n") == .incomplete)
        #expect(reply("*-1\r\n") == .complete(length: 5))
        #expect(reply("%1\r\n+k\r\n:1\r\n") == .complete(length: 12))
        #expect(reply("_\r\n") == .complete(length: 3))
        #expect(reply("+OK") == .incomplete)
        #expect(reply("hello\r\n") == .invalid)
    }

    @Test("absurd lengths are invalid, never an arithmetic trap", arguments: [
        "$9999999999999999999\r\n", "*9999999999999999999\r\n", "%4611686018427387904\r\n", "$536870913\r\n",
        "*9223372036854775807\r\n", "$-9223372036854775808\r\n",
    ])
    func absurdLengths(text: String) {
        #expect(reply(text) == .invalid)
        // As a command, only an array is RESP; anything else is an inline command line and passes as one.
        if text.hasPrefix("*") { #expect(command(text) == .invalid) }
    }

    @Test("array and inline commands")
    func commands() {
        #expect(command("*1\r\n$4\r\nPING\r\n") == .complete(length: 14))
        #expect(command("*2\r\n$3\r\nGET\r\n$1\r\n") == .incomplete)
        #expect(command("PING\r\nPING\r\n") == .complete(length: 6))
        #expect(command("PIN") == .incomplete)
    }
}

@Suite("RESP-aware faults against redis-server")
struct RESPFaultTests {
    private func withRedisProxy(_ body: (ProxyRegistry, ProxyState, RedisServer) async throws -> Void) async throws {
        try await FaultProxyTests.withRedisProxy(name: "resp", seed: 5, body)
    }

    /// GET straight from the server, not through the proxy.
    private func directGet(_ key: String, port: Int) async throws -> String {
        let direct = try await TestConnection.connect(port: port)
        defer { direct.close() }
        try await direct.send(resp("GET", key))
        try await waitUntil(timeout: .seconds(5)) { direct.receivedBytes.suffix(2) == [13, 10] && direct.receivedCount >= 5 }
        return String(decoding: direct.receivedBytes, as: UTF8.self)
    }

    @Test("resp_oom answers -OOM instead of running the command")
    func outOfMemory() async throws {
        try await withRedisProxy { registry, proxy, redis in
            _ = try await registry.addToxic(Toxic(kind: .respError(reply: .outOfMemory)), to: proxy.name)
            let client = try await TestConnection.connect(port: proxy.listenPort)
            defer { client.close() }
            try await client.send(resp("SET", "never", "written"))
            let expected = RESPErrorReply.outOfMemory.reply
            #expect(try await client.waitForText(expected) == expected)
            #expect(try await directGet("never", port: redis.port) == "$-1\r\n")
        }
    }

    @Test("a RESP toxic added to a live connection leaves it alone, and affects the next connection")
    func liveConnectionsKeepTheirReplies() async throws {
        try await withRedisProxy { registry, proxy, _ in
            let live = try await TestConnection.connect(port: proxy.listenPort)
            defer { live.close() }
            try await live.send(resp("PING"))
            _ = try await live.waitForText("+PONG\r\n")
            _ = try await registry.addToxic(Toxic(kind: .respError(reply: .outOfMemory)), to: proxy.name)
            try await live.send(resp("SET", "k", "v") + resp("GET", "k"))
            let unchanged = "+PONG\r\n+OK\r\n$1\r\nv\r\n"
            #expect(try await live.waitForText(unchanged) == unchanged)

            let fresh = try await TestConnection.connect(port: proxy.listenPort)
            defer { fresh.close() }
            try await fresh.send(resp("GET", "k"))
            let injected = RESPErrorReply.outOfMemory.reply
            #expect(try await fresh.waitForText(injected) == injected)
        }
    }

    @Test("injected errors keep their place among pipelined replies")
    func pipelinedOrder() async throws {
        try await withRedisProxy { registry, proxy, _ in
            _ = try await registry.addToxic(Toxic(kind: .respError(reply: .readOnly, every: 2)), to: proxy.name)
            let client = try await TestConnection.connect(port: proxy.listenPort)
            defer { client.close() }
            try await client.send(resp("PING") + resp("SET", "k", "v") + resp("ECHO", "x") + resp("GET", "k"))
            let readOnly = RESPErrorReply.readOnly.reply
            let expected = "+PONG\r\n" + readOnly + "$1\r\nx\r\n" + readOnly
            #expect(try await client.waitForText(expected) == expected)
        }
    }

    @Test("resp_drop_reply runs the command but drops its reply; removing the toxic restores replies")
    func dropReply() async throws {
        try await withRedisProxy { registry, proxy, redis in
            _ = try await registry.addToxic(Toxic(kind: .respDropReply(every: 2)), to: proxy.name)
            let client = try await TestConnection.connect(port: proxy.listenPort)
            defer { client.close() }
            try await client.send(resp("PING") + resp("SET", "a", "1") + resp("ECHO", "b") + resp("SET", "c", "3"))
            _ = try await client.waitForText("+PONG\r\n$1\r\nb\r\n")
            try await Task.sleep(for: .milliseconds(200))
            #expect(String(decoding: client.receivedBytes, as: UTF8.self) == "+PONG\r\n$1\r\nb\r\n")
            #expect(try await directGet("a", port: redis.port) == "$1\r\n1\r\n")
            #expect(try await directGet("c", port: redis.port) == "$1\r\n3\r\n")

            try await registry.removeToxic(named: "resp_drop_reply_downstream", from: proxy.name)
            try await client.send(resp("GET", "a") + resp("GET", "c"))
            let all = "+PONG\r\n$1\r\nb\r\n$1\r\n1\r\n$1\r\n3\r\n"
            #expect(try await client.waitForText(all) == all)
        }
    }
}
