import Testing
import UpstashREST

@Suite("Upstash protocol pieces: JSON and base64")
struct UpstashProtocolTests {
    @Test("JSON round trip keeps number text, escapes and nesting")
    func jsonRoundTrip() throws {
        let text = #"[["SET","k\"\\\n\u00e9\ud83d\ude00","v","EX",100,1.5e3,true,null],{"result":"OK"}]"#
        let value = try JSONParser.parse(Array(text.utf8))
        guard case .array(let outer) = value, case .array(let command) = outer[0] else {
            Issue.record("not arrays")
            return
        }
        #expect(command[1] == .string("k\"\\\né😀"))
        #expect(command[4] == .number("100"))
        #expect(command[5] == .number("1.5e3"))
        #expect(command[6] == .bool(true) && command[7] == .null)
        #expect(outer[1][member: "result"] == .string("OK"))
        #expect(try JSONParser.parse(JSONWriter.bytes(value)) == value)
    }

    @Test("malformed JSON is refused with a position", arguments: ["", "[", "[1,]", "{\"a\"}", "[\"\u{01}\"]", "01", "[1] x", "nul"])
    func malformed(text: String) {
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    @Test("base64 round trip over every length and byte")
    func base64() {
        let bytes: [UInt8] = (0...255).map { UInt8($0) }
        for length in 0...bytes.count {
            let slice = Array(bytes.prefix(length))
            #expect(Base64.decode(Base64.encode(slice)) == slice)
        }
        #expect(Base64.encode(Array("PONG".utf8)) == "UE9ORw==")
        #expect(Base64.decode("UE9ORw=") == nil)
        #expect(Base64.decode("U=9ORw==") == nil)
        #expect(Base64.decode("****") == nil)
    }
}
