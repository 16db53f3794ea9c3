@testable import CacheCore
import Foundation
import Logging
import Testing

/// Stored bytes are input from anyone who can write to the namespace: every shape must end as a hit or a
/// logged miss, and the fast parser must never accept what `JSONDecoder` would refuse.
@Suite("Entry codec against hostile input")
struct CacheEntryHostileInputTests {
    static func envelope(createdAt: String = "1700000000000", expiresAt: String? = nil, key: String = "k") -> [UInt8] {
        let expiry = expiresAt.map { #","expiresAt":\#($0)"# } ?? ""
        return Array(#"{"v":1,"key":"\#(key)","value":"answer","source":"kb","createdAt":\#(createdAt)\#(expiry)}"#.utf8)
    }

    @Test("numbers JSON does not allow are refused by the fast parser and by the codec", arguments: [
        "01", "1.", "-.5", ".5", "+1", "-", "00", "-01", "1.e5", "1e", "1e+", "0x1", "1e309", "-1e309", "Infinity",
        "NaN", "1.5.5", "1e5e5", "--1", "1-", "0.", "-0.", "01.5", "1E",
    ])
    func nonJSONNumbers(number: String) {
        #expect(FlatJSONObject(Array(#"{"a":\#(number)}"#.utf8)) == nil)
        #expect(throws: CacheEntryCodec.DecodeError.self) { try CacheEntryCodec.decode(Self.envelope(createdAt: number), expectedKey: "k") }
    }

    @Test("numbers JSON allows decode exactly as JSONDecoder decodes them", arguments: [
        "0", "-0", "1", "1764265200000", "1.5", "-1.25", "1e3", "1E+3", "1e-3", "0.1", "123456789012345678",
        "1.7976931348623157e308", "5e-324", "1e-400", "0.30000000000000004",
    ])
    func jsonNumbers(number: String) {
        let bytes = Self.envelope(createdAt: number)
        let fast = Result { () throws(CacheEntryCodec.DecodeError) in try CacheEntryCodec.decode(bytes, expectedKey: "k") }
        let foundation = Result { () throws(CacheEntryCodec.DecodeError) in try CacheEntryCodec.decodeWithFoundation(bytes, expectedKey: "k") }
        #expect(fast == foundation)
    }

    @Test("timestamps outside JavaScript's Date range are malformed; inside it, any value decodes", arguments: [
        ("1e19", false), ("-1e19", false), ("8.64e15", true), ("8.64000000000001e15", false), ("-8.64e15", true),
        ("1e300", false), ("-5", true), ("1700000000000.75", true), ("0", true),
    ])
    func timestampRange(value: String, accepted: Bool) {
        for bytes in [Self.envelope(expiresAt: value), Self.envelope(createdAt: value)] {
            let decoded = try? CacheEntryCodec.decode(bytes, expectedKey: "k")
            #expect((decoded != nil) == accepted, "\(String(decoding: bytes, as: UTF8.self))")
        }
    }

    @Test("a hostile expiresAt at a key is a logged miss or a hit, never a trap", arguments: [
        ("1e19", false), ("1e309", false), ("-1e309", false), ("9.2e18", false), ("8.64e15", true), ("-1", false),
        ("1e15", true), ("\"soon\"", false), ("null", true), ("true", false),
    ])
    func hostileExpiryThroughTheCache(expiresAt: String, hit: Bool) async {
        let store = ScriptedKVStore()
        let cache = TieredCache(kvStore: store, logger: Logger(label: "test"))
        store.store(raw: Self.envelope(expiresAt: expiresAt, key: "q"), at: "pcache:q")
        let found = await cache.lookup("q")
        #expect((found.entry?.text == "answer") == hit)
        #expect(found.kvError == nil)
        if hit {
            // Kept in memory with an expiry it can represent.
            #expect(cache.memory.get("q")?.text == "answer")
        }
    }

    @Test("the memory expiry of a decoded entry is clamped, whatever the date")
    func memoryExpiryClamp() {
        let now = ContinuousClock.now
        #expect(TieredCache.memoryExpiry(for: Date(timeIntervalSinceNow: -1), now: now) == nil)
        #expect(TieredCache.memoryExpiry(for: Date(timeIntervalSince1970: .nan), now: now) == nil)
        #expect(TieredCache.memoryExpiry(for: Date(timeIntervalSince1970: .infinity), now: now) != nil)
        #expect(TieredCache.memoryExpiry(for: Date(timeIntervalSince1970: 1e300), now: now) != nil)
        let inAnHour = TieredCache.memoryExpiry(for: Date(timeIntervalSinceNow: 3600), now: now)
        #expect(inAnHour.map { abs(($0 - now - .seconds(3600)) / .seconds(1)) < 1 } == true)
    }
}
