import Testing
import UpstashREST

@Suite("Upstash result objects read without building them")
struct UpstashResultParsingTests {
    @Test("a pipeline's array: result, error, both, neither, not an object")
    func resultArray() throws {
        let text = #"[{"result":"T0s="},{"error":"ERR x"},{"result":1,"error":"E"},{"other":[1,{"a":2}]},5,{"result":null}]"#
        let results = try JSONParser.parseResults(Array(text.utf8))
        #expect(results == [
            UpstashResult(result: .string("T0s=")),
            UpstashResult(error: .string("ERR x")),
            UpstashResult(result: .number("1"), error: .string("E")),
            UpstashResult(),
            UpstashResult(),
            UpstashResult(result: .null),
        ])
        #expect(try JSONParser.parseResults(Array("[]".utf8)) == [])
        #expect(try JSONParser.parseResults(Array(#"{"result":1}"#.utf8)) == nil)
        #expect(try JSONParser.parseResult(Array(#" {"result":[1,"a"]} "#.utf8)) == UpstashResult(result: .array([.number("1"), .string("a")])))
    }

    @Test("malformed result bodies are refused", arguments: [#"[{"result":1}"#, #"[{"result":1},]"#, #"{"result":1} x"#, #"[{"result"}]"#, ""])
    func malformed(text: String) {
        #expect(throws: JSONParser.SyntaxError.self) {
            _ = try JSONParser.parseResults(Array(text.utf8))
            _ = try JSONParser.parseResult(Array(text.utf8))
        }
    }
}
