import KVRestBridge
import Testing
import UpstashREST
import RedisServerSupport
import NIOHTTP1

/// The bridge reads plain requests straight from their bytes and writes replies straight from Redis's;
/// anything unusual (escapes, percent-encoding, query parameters) takes the general path. Both must
/// answer byte for byte alike, for every reply shape.
@Suite("kv-rest-bridge: requests read from bytes answer exactly as the general path does")
struct BridgeFastPathTests {
    @Test("plain, escaped and percent-encoded forms of a request get the same bytes back, with and without base64")
    func sameAnswers() async throws {
        let fixture = try await BridgeFixture.start()
        let probe = HTTPProbe(baseURL: fixture.url)
        // A value that needs escaping in JSON, and one that is not UTF-8.
        _ = try await fixture.redis.command(["SET", "k", "a \"quoted\" \\ value\twith\ttabs"])
        _ = try await fixture.redis.command(["EVAL", "return redis.call('SET', 'bin', string.char(255, 0, 10, 200))", "0"])
        _ = try await fixture.redis.command(["RPUSH", "list", "x", "y"])
        let pairs: [(String, String, String)] = [
            // (path, plain body, body that only the general path reads)
            ("/", #"["GET","k"]"#, #"["GET","\u006b"]"#),
            ("/", #"["GET","bin"]"#, #"[ "GET" , "b\u0069n" ]"#),
            ("/", #"["LRANGE","list",0,-1]"#, #"["LRANGE","list","\u0030",-1]"#),
            ("/", #"["BOGUS","x"]"#, #"["BOGUS","\u0078"]"#),
            ("/", #"["SUBSCRIBE","c"]"#, #"["SUBSCRIBE","\u0063"]"#),
            ("/pipeline", #"[["GET","k"],["SELECT","1"],["STRLEN","k"],["BOGUS"],["LRANGE","list",0,-1]]"#,
             #"[["GET","\u006b"],["SELECT","1"],["STRLEN","k"],["BOGUS"],["LRANGE","list",0,-1]]"#),
            ("/pipeline/", #"[["GET","missing"],["EXISTS","k","bin"]]"#, #"[["GET","missin\u0067"],["EXISTS","k","bin"]]"#),
            ("/multi-exec", #"[["SET","t","1"],["INCR","t"],["GET","t"]]"#, #"[["SET","t","\u0031"],["INCR","t"],["GET","t"]]"#),
            ("/multi-exec", #"[["SET","t","1"],["BLPOP","q",1]]"#, #"[["SET","t","\u0031"],["BLPOP","q",1]]"#),
            ("/multi-exec", #"[["SET","t","1"],["GET"]]"#, #"[["SET","\u0074","1"],["GET"]]"#),
        ]
        for base64 in [false, true] {
            for (path, plain, general) in pairs {
                let fast = try await probe.send(path, body: plain, base64: base64)
                let slow = try await probe.send(path, body: general, base64: base64)
                #expect(fast.status == slow.status, "\(path) \(plain)")
                #expect(fast.body == slow.body, "\(path) \(plain): \(String(decoding: fast.body, as: UTF8.self)) vs \(String(decoding: slow.body, as: UTF8.self))")
            }
            let fast = try await probe.send("/get/k", method: .GET, base64: base64)
            let slow = try await probe.send("/get/%6b", method: .GET, base64: base64)
            #expect(fast.status == 200 && fast.body == slow.body)
        }
        #expect(try await probe.send("/", body: #"["GET","k"]"#).result == .string("a \"quoted\" \\ value\twith\ttabs"))
        await fixture.stop()
    }

    @Test("every reply shape: nested arrays, nulls, errors inside arrays, Int64's extremes, a 1 MiB value")
    func replyShapes() async throws {
        let fixture = try await BridgeFixture.start()
        let probe = HTTPProbe(baseURL: fixture.url)
        let script = "return {1, 'two', {3, false, {}}, redis.error_reply('ERR boom'), redis.status_reply('OK')}"
        let plain = try await probe.send("/", body: #"["EVAL","\#(script)","0"]"#)
        #expect(plain.status == 200)
        #expect(String(decoding: plain.body, as: UTF8.self) == #"{"result":[1,"two",[3,null,[]],"ERR boom","OK"]}"#)
        let encoded = try await probe.send("/", body: #"["EVAL","\#(script)","0"]"#, base64: true)
        // Nested status replies are encoded too; only a whole OK is not; error texts never are.
        #expect(String(decoding: encoded.body, as: UTF8.self) == #"{"result":[1,"dHdv",[3,null,[]],"ERR boom","T0s="]}"#)

        _ = try await probe.send("/", body: #"["SET","big","9223372036854775806"]"#)
        #expect(try await probe.send("/", body: #"["INCR","big"]"#).result == .integer(Int64.max))
        #expect(try await probe.send("/", body: #"["INCRBY","small",-9223372036854775808]"#).result == .integer(Int64.min))

        let large = String(repeating: "0123456789abcdef", count: 1 << 16)
        #expect(try await probe.send("/set/large", body: large).result == .string("OK"))
        let read = try await probe.send("/get/large", method: .GET)
        #expect(read.result?.stringValue == large)
        let pipeline = try await probe.send("/pipeline", body: #"[["GET","large"],["STRLEN","large"],["GET","large"]]"#, base64: true)
        let results = pipeline.json?.arrayValue ?? []
        #expect(results.count == 3)
        #expect(results.first?[member: "result"]?.stringValue.flatMap(Base64.decode) == Array(large.utf8))
        #expect(results.dropFirst().first?[member: "result"] == .integer(Int64(large.utf8.count)))
        await fixture.stop()
    }

    @Test("the bearer scheme in any letter case; a prefix or an extension of the token is refused")
    func tokenComparison() async throws {
        let fixture = try await BridgeFixture.start()
        let probe = HTTPProbe(baseURL: fixture.url)
        let token = BridgeFixture.token
        #expect(try await probe.send("/", body: #"["PING"]"#, authorization: "bearer \(token)").status == 200)
        #expect(try await probe.send("/", body: #"["PING"]"#, authorization: "BEARER \(token)").status == 200)
        for wrong in [String(token.dropLast()), token + "x", "", "Basic \(token)", "Bearer", "Bearer  \(token)"] {
            let answer = try await probe.send("/", body: #"["PING"]"#, authorization: wrong.hasPrefix("B") ? wrong : "Bearer \(wrong)")
            #expect(answer.status == 401, "\(wrong)")
            #expect(answer.error == "Unauthorized")
        }
        #expect(try await probe.send("/get/x?_token=\(token)", method: .GET, token: nil).status == 200)
        #expect(try await probe.send("/get/x?_token=\(token)x", method: .GET, token: nil).status == 401)
        await fixture.stop()
    }
}
