import AsyncHTTPClient
import Foundation
import KVRestBridge
import NIOCore
import NIOHTTP1
import NIOPosix
import RedisServerSupport
import Testing
import UpstashREST

/// The bridge shares one Redis connection per event loop between all its HTTP connections: requests must
/// still get their own replies, transactions must stay whole, and nothing may block the shared connection.
@Suite("kv-rest-bridge: one shared, pipelined Redis connection per event loop")
struct BridgeSharedConnectionTests {
    /// An HTTP client that opens up to `connections` connections to one host (the shared client opens fewer).
    private func client(connections: Int) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    private func post(_ client: HTTPClient, _ url: String, _ body: String) async throws -> (Int, JSONValue?) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(BridgeFixture.token)")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await client.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), try? JSONParser.parse(bytes.readableBytesView))
    }

    private static func connectedClients(_ redis: RedisServer) async throws -> Int {
        let info = try await redis.command(["INFO", "clients"])
        let line = info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("connected_clients:") }
        return Int(line?.dropFirst("connected_clients:".count) ?? "") ?? -1
    }

    @Test("48 HTTP connections at once: each request gets its own value, over at most one Redis connection per event loop")
    func manyConnectionsOwnReplies() async throws {
        let fixture = try await BridgeFixture.start()
        let http = client(connections: 48)
        let before = try await Self.connectedClients(fixture.redis)
        let url = fixture.url
        try await withThrowingTaskGroup(of: Void.self) { group in
            for caller in 0..<48 {
                group.addTask {
                    for round in 0..<10 {
                        let key = "shared:\(caller)"
                        let value = "v-\(caller)-\(round)"
                        let set = try await post(http, url, #"["SET","\#(key)","\#(value)"]"#)
                        #expect(set.0 == 200)
                        let get = try await post(http, url, #"["GET","\#(key)"]"#)
                        #expect(get.1?[member: "result"] == .string(value), "caller \(caller) round \(round)")
                    }
                }
            }
            try await group.waitForAll()
        }
        // `connected_clients` counts the probe's own connection, present in both readings.
        let after = try await Self.connectedClients(fixture.redis)
        #expect(after - before <= System.coreCount, "\(after - before) Redis connections for 48 HTTP connections")
        #expect(after - before >= 1)
        try await http.shutdown()
        await fixture.stop()
    }

    @Test("concurrent /multi-exec and /pipeline requests never interleave")
    func transactionsStayWhole() async throws {
        let fixture = try await BridgeFixture.start()
        let http = client(connections: 24)
        let url = fixture.url
        try await withThrowingTaskGroup(of: Void.self) { group in
            for caller in 0..<24 {
                group.addTask {
                    let key = "tx:\(caller)"
                    let transaction = try await post(http, url + "/multi-exec",
                        #"[["SET","\#(key)","a"],["APPEND","\#(key)","b\#(caller)"],["GET","\#(key)"]]"#)
                    #expect(transaction.0 == 200)
                    let results = transaction.1?.arrayValue?.compactMap { $0[member: "result"] }
                    #expect(results == [.string("OK"), .integer(Int64(2 + String(caller).count)), .string("ab\(caller)")])
                    let pipeline = try await post(http, url + "/pipeline",
                        #"[["GET","\#(key)"],["ECHO","\#(caller)"],["STRLEN","\#(key)"]]"#)
                    let echoed = pipeline.1?.arrayValue?.compactMap { $0[member: "result"] }
                    #expect(echoed == [.string("ab\(caller)"), .string("\(caller)"), .integer(Int64(2 + String(caller).count))])
                }
            }
            try await group.waitForAll()
        }
        try await http.shutdown()
        await fixture.stop()
    }

    @Test("blocking commands are refused (they would stall every request sharing the connection)")
    func blockingCommandsRefused() async throws {
        let fixture = try await BridgeFixture.start()
        let probe = HTTPProbe(baseURL: fixture.url)
        for body in [#"["BLPOP","list","0"]"#, #"["BRPOPLPUSH","a","b","0"]"#, #"["BZPOPMIN","z","0"]"#,
                     #"["XREAD","BLOCK","0","STREAMS","s","$"]"#, #"["WAIT","1","0"]"#] {
            let answer = try await probe.send("/", body: body)
            #expect(answer.status == 400, "\(body)")
            #expect(answer.error?.contains("not available") == true, "\(body)")
        }
        // The non-blocking forms still pass, and the connection still serves.
        #expect(try await probe.send("/", body: #"["XADD","s","*","f","v"]"#).status == 200)
        #expect(try await probe.send("/", body: #"["XREAD","COUNT","1","STREAMS","s","0"]"#).status == 200)
        #expect(try await probe.send("/", body: #"["LPOP","list"]"#).result == .null)
        await fixture.stop()
    }

    @Test("after redis-server restarts, the shared connection is made again")
    func reconnectsAfterRestart() async throws {
        let fixture = try await BridgeFixture.start()
        let probe = HTTPProbe(baseURL: fixture.url)
        #expect(try await probe.send("/", body: #"["SET","k","before"]"#).status == 200)
        await fixture.redis.stop()
        #expect(try await probe.send("/", body: #"["GET","k"]"#).status == 500)
        try await fixture.redis.restart()
        #expect(try await probe.send("/", body: #"["PING"]"#).result == .string("PONG"))
        await fixture.stop()
    }
}
