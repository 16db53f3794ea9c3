import CacheCore
import Foundation
import Testing

@Suite("CacheEntryCodec")
struct CacheEntryCodecTests {
    @Test("text entries round-trip as readable JSON")
    func textRoundTrip() throws {
        let entry = CacheEntry(text: "Olá, \"mundo\"\n", source: .llm, createdAt: Date(timeIntervalSince1970: 1_700_000_000.123))
        let expiry = Date(timeIntervalSince1970: 1_700_003_600)
        let bytes = CacheEntryCodec.encode(entry, key: "pergunta", expiresAt: expiry)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(json["v"] as? Int == 1)
        #expect(json["value"] as? String == "Olá, \"mundo\"\n")
        #expect(json["source"] as? String == "llm")
        #expect(json["key"] as? String == "pergunta")
        #expect(json["createdAt"] as? Double == 1_700_000_000_123)
        let decoded = try CacheEntryCodec.decode(bytes, expectedKey: "pergunta")
        #expect(decoded.entry.value == entry.value)
        #expect(decoded.entry.source == .llm)
        #expect(abs(decoded.entry.createdAt.timeIntervalSince(entry.createdAt)) < 0.001)
        #expect(decoded.expiresAt == expiry)
    }

    @Test("binary values are stored as base64 and round-trip byte for byte")
    func binaryRoundTrip() throws {
        let bytes: [UInt8] = [0, 0xFF, 0xC3, 0x28, 10, 13, 0]
        let entry = CacheEntry(bytes: bytes, source: .other("custom"))
        let encoded = CacheEntryCodec.encode(entry, key: "bin", expiresAt: nil)
        #expect(String(decoding: encoded, as: UTF8.self).contains("valueBase64"))
        let decoded = try CacheEntryCodec.decode(encoded, expectedKey: "bin")
        #expect(decoded.entry.value == bytes)
        #expect(decoded.entry.source == .other("custom"))
        #expect(decoded.expiresAt == nil)
    }

    @Test("an entry written for another key is refused")
    func keyMismatch() {
        let encoded = CacheEntryCodec.encode(CacheEntry(text: "x", source: .kb), key: "a", expiresAt: nil)
        #expect(throws: CacheEntryCodec.DecodeError.keyMismatch) { try CacheEntryCodec.decode(encoded, expectedKey: "b") }
    }

    @Test("entries from other writers must name their key; without one they are refused")
    func foreignWriter() throws {
        let keyless = #"{"v":1,"value":"from redis-cli","source":"kb","createdAt":1700000000000}"#
        #expect(throws: CacheEntryCodec.DecodeError.missingKey) { try CacheEntryCodec.decode(Array(keyless.utf8), expectedKey: "anything") }
        let named = #"{"v":1,"key":"anything","value":"from redis-cli","source":"kb","createdAt":1700000000000}"#
        #expect(try CacheEntryCodec.decode(Array(named.utf8), expectedKey: "anything").entry.text == "from redis-cli")
    }

    @Test("malformed or unknown entries are decode errors, never crashes", arguments: [
        "", "not json", "[]", "{}", #"{"v":1}"#, #"{"v":1,"value":"x"}"#, #"{"v":"one","value":"x","source":"kb"}"#,
        #"{"v":1,"valueBase64":"%%%","source":"kb"}"#, "\u{0}\u{1}\u{2}",
    ])
    func malformed(text: String) {
        #expect(throws: CacheEntryCodec.DecodeError.self) { try CacheEntryCodec.decode(Array(text.utf8), expectedKey: "k") }
    }

    @Test("a newer version is reported as unsupported")
    func newerVersion() {
        let json = #"{"v":2,"payload":{"x":1}}"#
        #expect(throws: CacheEntryCodec.DecodeError.unsupportedVersion(2)) {
            try CacheEntryCodec.decode(Array(json.utf8), expectedKey: "k")
        }
    }
}

@Suite("CacheEntryCodec fast path")
struct CacheEntryCodecFastPathTests {
    @Test("texts that need escaping round-trip exactly", arguments: [
        "quote \" backslash \\ slash /", "controls \u{1}\u{8}\u{C}\n\r\t", "unicode é 日本 🙂 \u{2028}", "", " ",
        String(repeating: "long answer ", count: 2000),
    ])
    func escapes(text: String) throws {
        let encoded = CacheEntryCodec.encode(CacheEntry(text: text, source: .kb), key: text, expiresAt: nil)
        let decoded = try CacheEntryCodec.decode(encoded, expectedKey: text)
        #expect(decoded.entry.text == text)
    }

    @Test("documents written by other JSON writers decode the same", arguments: [
        #"{ "v" : 1 , "key" : "k", "value" : "caf\u00e9 \ud83d\ude42" , "source" : "kb" }"#,
        #"{"source":"llm","value":"x","v":1,"createdAt":1.7e12,"expiresAt":null,"key":"\u006b"}"#,
        #"{"v":1.0,"key":"k","value":"x","source":"kb"}"#,
    ])
    func otherWriters(json: String) throws {
        let decoded = try CacheEntryCodec.decode(Array(json.utf8), expectedKey: "k")
        #expect(decoded.entry.text?.isEmpty == false)
    }

    @Test("surrogate escapes decode to the right scalar")
    func surrogates() throws {
        let decoded = try CacheEntryCodec.decode(Array(#"{"v":1,"key":"k","value":"\ud83d\ude42","source":"kb"}"#.utf8), expectedKey: "k")
        #expect(decoded.entry.text == "🙂")
    }

    @Test("documents the fast path refuses still get a definite answer", arguments: [
        #"{"v":1,"key":"k","value":"x","source":"kb","extra":{"nested":true}}"#,
        #"{"v":1,"key":"k","value":"x","source":"kb","tags":["a"]}"#,
    ])
    func fallbackToFoundation(json: String) throws {
        let decoded = try CacheEntryCodec.decode(Array(json.utf8), expectedKey: "k")
        #expect(decoded.entry.text == "x")
    }

    @Test("wrong field types are refused on both paths", arguments: [
        #"{"v":1,"value":5,"source":"kb"}"#, #"{"v":1,"value":"x","source":true}"#, #"{"v":1,"value":"x","source":"kb","key":7}"#,
        #"{"v":1,"value":"\ud83d","source":"kb"}"#, #"{"v":1,"value":"x","source":"kb"} trailing"#,
    ])
    func wrongTypes(json: String) {
        #expect(throws: CacheEntryCodec.DecodeError.self) { try CacheEntryCodec.decode(Array(json.utf8), expectedKey: "k") }
    }
}
