@testable import CacheCore
import Foundation
import Logging
import Synchronization
import Testing

/// Issue 11, items 2 and 4: stale-if-error and soft timeouts, with provenance. Entries are written with a
/// 1 ms fresh lifetime and an hour's stale window; the tests wait past the millisecond, never measure.
@Suite("TieredCache fail-safe")
struct TieredCacheFailSafeTests {
    private let logger = Logger(label: "test")
    private struct OriginDown: Error {}

    private func expireFreshness() async throws { try await Task.sleep(for: .milliseconds(20)) }

    @Test("get serves fresh entries only; getOrCompute answers a stale one, marked, when compute throws")
    func staleIfError() async throws {
        let cache = TieredCache(kvStore: nil, logger: logger)
        await cache.set("q", CacheEntry(text: "old", source: .kb), ttl: .milliseconds(1), staleWindow: .seconds(3600))
        try await expireFreshness()
        #expect(await cache.get("q") == nil, "a stale copy is never a plain hit")
        #expect(await cache.lookup("q").staleEntry?.text == "old")
        let result = try await cache.getOrCompute("q") { throw OriginDown() }
        #expect(result.entry.text == "old")
        #expect(result.isStale && result.staleReason == .originError && result.origin == .memory)
        #expect(cache.statistics().staleAnswersByReason["origin_error"] == 1)
        await #expect(throws: OriginDown.self) {
            _ = try await cache.getOrCompute("never cached") { throw OriginDown() }
        }
    }

    @Test("without a stale window an expired entry is gone, and the origin's error is thrown")
    func noWindow() async throws {
        let cache = TieredCache(configuration: CacheConfiguration(staleWindow: nil), kvStore: nil, logger: logger)
        await cache.set("q", CacheEntry(text: "old", source: .kb), ttl: .milliseconds(1))
        try await expireFreshness()
        await #expect(throws: OriginDown.self) {
            _ = try await cache.getOrCompute("q") { throw OriginDown() }
        }
    }

    @Test("another instance finds the stale copy in the KV tier; the envelope records both instants")
    func staleFromKV() async throws {
        let store = ScriptedKVStore()
        let writer = TieredCache(kvStore: store, logger: logger)
        await writer.set("q", CacheEntry(text: "old", source: .kb), ttl: .milliseconds(1), staleWindow: .seconds(3600))
        await writer.waitForBackgroundWrites()
        let raw = try #require(store.raw("pcache:q"))
        let decoded = try CacheEntryCodec.decode(raw, expectedKey: "q")
        let expiresAt = try #require(decoded.expiresAt)
        let staleUntil = try #require(decoded.staleUntil)
        #expect(staleUntil.timeIntervalSince(expiresAt) > 3500)
        try await expireFreshness()
        let reader = TieredCache(kvStore: store, logger: logger)
        #expect(await reader.get("q") == nil)
        let result = try await reader.getOrCompute("q") { throw OriginDown() }
        #expect(result.entry.text == "old" && result.origin == .kv && result.staleReason == .originError)
    }

    @Test("a slow compute is answered stale at the soft timeout, then refreshes both tiers in the background")
    func softTimeout() async throws {
        let store = ScriptedKVStore()
        let cache = TieredCache(kvStore: store, logger: logger)
        await cache.set("q", CacheEntry(text: "old", source: .kb), ttl: .milliseconds(1), staleWindow: .seconds(3600))
        await cache.waitForBackgroundWrites()
        try await expireFreshness()
        let origin = CallGate()
        origin.close()
        let result = try await cache.getOrCompute("q", ttl: .seconds(3600), softTimeout: .milliseconds(1)) {
            await origin.pass()
            return CacheEntry(text: "new", source: .llm)
        }
        #expect(result.entry.text == "old" && result.staleReason == .originSoftTimeout)
        #expect(await origin.waitForArrivals(1), "the computation goes on after the caller got its answer")
        origin.open()
        #expect(await eventually { cache.memory.get("q")?.text == "new" })
        #expect(await eventually {
            store.raw("pcache:q").flatMap { try? CacheEntryCodec.decode($0, expectedKey: "q") }?.entry.text == "new"
        })
        #expect(await cache.get("q")?.text == "new")
    }

    @Test("without a stale copy the soft timeout does not apply: the caller waits for compute")
    func softTimeoutNeedsStale() async throws {
        let cache = TieredCache(configuration: CacheConfiguration(softTimeout: .milliseconds(1)), kvStore: nil, logger: logger)
        let origin = CallGate()
        origin.close()
        let call = Task {
            try await cache.getOrCompute("q") {
                await origin.pass()
                return CacheEntry(text: "new", source: .llm)
            }
        }
        #expect(await origin.waitForArrivals(1))
        origin.open()
        let result = try await call.value
        #expect(result.entry.text == "new" && !result.isStale && result.origin == .computed)
    }

    @Test("the stale instant is written only after the fresh one, and both survive the fast and Foundation decoders")
    func codecStaleUntil() throws {
        let entry = CacheEntry(text: "a", source: .kb, createdAt: Date(timeIntervalSince1970: 1))
        let fresh = Date(timeIntervalSince1970: 100)
        let bytes = CacheEntryCodec.encode(entry, key: "k", expiresAt: fresh, staleUntil: Date(timeIntervalSince1970: 200))
        let fast = try CacheEntryCodec.decode(bytes, expectedKey: "k")
        let reference = try CacheEntryCodec.decodeWithFoundation(bytes, expectedKey: "k")
        #expect(fast == reference && fast.staleUntil == Date(timeIntervalSince1970: 200) && fast.expiresAt == fresh)
        let ignored = CacheEntryCodec.encode(entry, key: "k", expiresAt: fresh, staleUntil: Date(timeIntervalSince1970: 50))
        #expect(!String(decoding: ignored, as: UTF8.self).contains("staleUntil"))
        // What an older reader sees: a version-1 envelope whose `expiresAt` is the fresh instant.
        #expect(String(decoding: bytes, as: UTF8.self).contains("\"v\":1"))
        let hostile = Array(#"{"v":1,"key":"k","value":"a","source":"kb","expiresAt":100000,"staleUntil":50000}"#.utf8)
        #expect(try CacheEntryCodec.decode(hostile, expectedKey: "k").staleUntil == nil)
    }
}
