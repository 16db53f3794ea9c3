import KVRestBridge
import Testing
import UpstashREST

@Suite("kv-rest-bridge: Upstash's HTTP behaviour over a real redis-server")
struct BridgeHTTPTests {
    @Test("auth: missing or wrong token is 401, bearer and _token are accepted")
    func authentication() async throws {
        let fixture = try await BridgeFixture.start()
        let probe = HTTPProbe(baseURL: fixture.url)
        #expect(try await probe.send("/", body: #"["PING"]"#, token: nil).status == 401)
        #expect(try await probe.send("/", body: #"["PING"]"#, token: "wrong").status == 401)
        let bearer = try await probe.send("/", body: #"["PING"]"#)
        #expect(bearer.status == 200 && bearer.result == .string("PONG"))
        let query = try await probe.send("/ping?_token=\(BridgeFixture.token)", method: .GET, token: nil)
        #expect(query.status == 200 && query.result == .string("PONG"))
        await fixture.stop()
    }

    @Test("status codes: Redis errors 400 with Redis's text, bad bodies 400, other methods 405")
    func statusCodes() async throws {
        let fixture = try await BridgeFixture.start()
        let probe = HTTPProbe(baseURL: fixture.url)
        let unknown = try await probe.send("/", body: #"["NOSUCHCOMMAND","x"]"#)
        #expect(unknown.status == 400)
        #expect(unknown.error?.hasPrefix("ERR unknown command") == true)
        _ = try await probe.send("/", body: #"["LPUSH","list","a"]"#)
        let wrongType = try await probe.send("/", body: #"["GET","list"]"#)
        #expect(wrongType.status == 400 && wrongType.error?.hasPrefix("WRONGTYPE") == true)
        #expect(try await probe.send("/", body: "not json").status == 400)
        #expect(try await probe.send("/", body: #"[]"#).status == 400)
        #expect(try await probe.send("/", method: .DELETE, body: #"["PING"]"#).status == 405)
        let refused = try await probe.send("/", body: #"["SUBSCRIBE","chan"]"#)
        #expect(refused.status == 400 && refused.error?.contains("not available") == true)
        await fixture.stop()
    }

    @Test("POST / runs any command; numbers and strings are arguments")
    func singleCommands() async throws {
        let fixture = try await BridgeFixture.start()
        let probe = HTTPProbe(baseURL: fixture.url)
        #expect(try await probe.send("/", body: #"["SET","k","v","EX",100]"#).result == .string("OK"))
        #expect(try await probe.send("/", body: #"["GET","k"]"#).result == .string("v"))
        #expect(try await probe.send("/", body: #"["TTL","k"]"#).result?.integerValue ?? 0 > 90)
        #expect(try await probe.send("/", body: #"["GET","missing"]"#).result == .null)
        #expect(try await probe.send("/", body: #"["HSET","h","a","1","b","2"]"#).result == .integer(2))
        let all = try await probe.send("/", body: #"["HGETALL","h"]"#).result
        #expect(all?.arrayValue?.count == 4)
        await fixture.stop()
    }

    @Test("pipeline: one result object per command, errors in place; multi-exec is atomic")
    func pipelineAndTransactions() async throws {
        let fixture = try await BridgeFixture.start()
        let probe = HTTPProbe(baseURL: fixture.url)
        let pipeline = try await probe.send("/pipeline", body: #"[["SET","a","1"],["INCR","a"],["BOGUS"],["GET","a"],["SELECT","1"]]"#)
        #expect(pipeline.status == 200)
        let results = pipeline.json?.arrayValue ?? []
        #expect(results.count == 5)
        #expect(results[0][member: "result"] == .string("OK"))
        #expect(results[1][member: "result"] == .integer(2))
        #expect(results[2][member: "error"]?.stringValue?.hasPrefix("ERR") == true)
        #expect(results[3][member: "result"] == .string("2"))
        #expect(results[4][member: "error"] != nil)
        let transaction = try await probe.send("/multi-exec", body: #"[["SET","t","x"],["APPEND","t","y"],["GET","t"]]"#)
        #expect(transaction.status == 200)
        #expect(transaction.json?.arrayValue?.map { $0[member: "result"] } == [.string("OK"), .integer(2), .string("xy")])
        let aborted = try await probe.send("/multi-exec", body: #"[["SET","u","1"],["GET"]]"#)
        #expect(aborted.status == 400)
        #expect(aborted.error?.contains("EXECABORT") == true)
        #expect(try await fixture.redis.command(["EXISTS", "u"]).hasPrefix(":0"))
        #expect(try await probe.send("/pipeline", body: #"{"not":"an array"}"#).status == 400)
        await fixture.stop()
    }

    @Test("path style: segments, body as last argument, query parameters after it")
    func pathStyle() async throws {
        let fixture = try await BridgeFixture.start()
        let probe = HTTPProbe(baseURL: fixture.url)
        #expect(try await probe.send("/set/foo/bar/EX/100", method: .GET).result == .string("OK"))
        #expect(try await probe.send("/get/foo", method: .GET).result == .string("bar"))
        #expect(try await probe.send("/set/spaced?EX=60", body: "a value with spaces").result == .string("OK"))
        #expect(try await probe.send("/get/spaced").result == .string("a value with spaces"))
        let ttl = try await probe.send("/ttl/spaced", method: .GET).result?.integerValue ?? 0
        #expect(ttl > 0 && ttl <= 60)
        #expect(try await probe.send("/set/pct%2Fkey/v%20x", method: .GET).result == .string("OK"))
        #expect(try await fixture.redis.command(["GET", "pct/key"]).contains("v x"))
        await fixture.stop()
    }

    @Test("Upstash-Encoding: base64 encodes strings except a whole OK; without it, invalid UTF-8 is U+FFFD")
    func base64Encoding() async throws {
        let fixture = try await BridgeFixture.start()
        let probe = HTTPProbe(baseURL: fixture.url)
        #expect(try await probe.send("/set/bin", bodyBytes: [0xFF, 0x00, 0xFE, UInt8(ascii: "o"), UInt8(ascii: "k")], base64: true).result
            == .string("OK"))
        let encoded = try await probe.send("/", body: #"["GET","bin"]"#, base64: true).result?.stringValue
        #expect(encoded.flatMap(Base64.decode) == [0xFF, 0x00, 0xFE, UInt8(ascii: "o"), UInt8(ascii: "k")])
        let plain = try await probe.send("/", body: #"["GET","bin"]"#).result?.stringValue
        #expect(plain == "\u{FFFD}\u{0}\u{FFFD}ok")
        let ping = try await probe.send("/", body: #"["PING"]"#, base64: true).result
        #expect(ping == .string(Base64.encode(Array("PONG".utf8))))
        #expect(try await probe.send("/", body: #"["INCR","n"]"#, base64: true).result == .integer(1))
        let scan = try await probe.send("/", body: #"["SCAN","0","MATCH","bin","COUNT","100"]"#, base64: true).result
        #expect(scan?.arrayValue?[0] == .string(Base64.encode(Array("0".utf8))))
        #expect(scan?.arrayValue?[1].arrayValue?.first == .string(Base64.encode([0x62, 0x69, 0x6E])))
        await fixture.stop()
    }

    @Test("a bridge without a token accepts anything; Redis down answers 500")
    func openBridgeAndRedisDown() async throws {
        let fixture = try await BridgeFixture.start(token: nil)
        let probe = HTTPProbe(baseURL: fixture.url)
        #expect(try await probe.send("/", body: #"["PING"]"#, token: nil).status == 200)
        await fixture.redis.stop()
        let down = try await probe.send("/", body: #"["PING"]"#, token: nil)
        #expect(down.status == 500)
        await fixture.stop()
    }
}
