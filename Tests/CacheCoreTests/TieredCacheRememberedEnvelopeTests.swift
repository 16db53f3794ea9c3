@testable import CacheCore
import Foundation
import Logging
import Testing

/// A KV hit keeps the envelope it decoded beside memory's copy, and a later read of the very same bytes
/// serves that copy without decoding (``TieredCache/largestRememberedEnvelope``). These tests pin what
/// must not change with it: new bytes are decoded, a default TTL still counts from every hit, stale bytes
/// are not served as fresh, an invalidation still wins, and nothing is remembered for another key.
@Suite("TieredCache remembered envelopes")
struct TieredCacheRememberedEnvelopeTests {
    private let logger = Logger(label: "test")

    @Test("a KV hit remembers its envelope; the same bytes again are served from that copy, new bytes decoded")
    func sameBytesServedNewBytesDecoded() async throws {
        let store = ScriptedKVStore()
        let cache = await store.cache(holding: "q", "first")
        let stored = try #require(store.raw("pcache:q"))
        // Written by this instance: memory holds the entry but not an envelope read from KV.
        #expect(cache.memory.read("q", storedFrom: stored, now: .now) == nil)

        let first = await cache.lookup("q")
        #expect(first.tier == .kv && first.entry?.text == "first")
        #expect(cache.memory.read("q", storedFrom: stored, now: .now)?.entry.text == "first")
        let again = await cache.lookup("q")
        #expect(again.tier == .kv && again.entry?.text == "first")

        // Another instance rewrites the key: the remembered copy must not answer for the new bytes.
        let rewritten = CacheEntryCodec.encode(
            CacheEntry(text: "second", source: .llm), key: "q", expiresAt: Date().addingTimeInterval(3600))
        store.store(raw: rewritten, at: "pcache:q")
        let changed = await cache.lookup("q")
        #expect(changed.tier == .kv && changed.entry?.text == "second" && changed.entry?.source == .llm)
        #expect(cache.memory.read("q", storedFrom: stored, now: .now) == nil)
        #expect(cache.memory.read("q", storedFrom: rewritten, now: .now)?.entry.text == "second")
        #expect(cache.statistics().kvHits == 3)
    }

    @Test("the remembered envelope counts against memory's byte limit, and leaves with its entry")
    func rememberedBytesAreCounted() async throws {
        let store = ScriptedKVStore()
        let cache = await store.cache(holding: "q", "answer")
        let before = cache.memory.usage.bytes
        _ = await cache.lookup("q")
        let stored = try #require(store.raw("pcache:q"))
        #expect(cache.memory.usage.bytes == before + stored.count)
        await cache.set("q", CacheEntry(text: "answer", source: .kb))
        #expect(cache.memory.usage.bytes == before, "a local write replaces the copy and drops the envelope")
        #expect(cache.memory.read("q", storedFrom: stored, now: .now) == nil)
    }

    @Test("an envelope without an expiry under a default TTL is not remembered: each hit renews the copy's expiry")
    func defaultTTLRenewedOnEveryHit() async throws {
        let store = ScriptedKVStore()
        let envelope = CacheEntryCodec.encode(CacheEntry(text: "forever", source: .kb), key: "q", expiresAt: nil)
        store.store(raw: envelope, at: "pcache:q")
        let cache = TieredCache(configuration: CacheConfiguration(defaultTTL: .seconds(60)), kvStore: store, logger: logger)
        #expect(await cache.lookup("q").tier == .kv)
        let first = try #require(cache.memory.read("q", now: .now)?.expiresAt)
        #expect(cache.memory.read("q", storedFrom: envelope, now: .now) == nil)
        try await Task.sleep(for: .milliseconds(5))
        #expect(await cache.lookup("q").tier == .kv)
        let renewed = try #require(cache.memory.read("q", now: .now)?.expiresAt)
        #expect(renewed > first, "the default TTL counts from the latest hit, as before")
    }

    @Test("identical bytes past their fresh lifetime are not served as a fresh hit")
    func staleBytesAreNotFresh() async throws {
        let store = ScriptedKVStore()
        // Fresh until ten seconds ago, kept for fail-safe answers for an hour (no clock to wait for).
        let envelope = CacheEntryCodec.encode(
            CacheEntry(text: "short", source: .kb), key: "q",
            expiresAt: Date().addingTimeInterval(-10), staleUntil: Date().addingTimeInterval(3600))
        store.store(raw: envelope, at: "pcache:q")
        let cache = TieredCache(kvStore: store, logger: logger)
        // Memory remembers exactly these bytes, its copy past its fresh lifetime too.
        cache.memory.set(
            "q", CacheEntry(text: "short", source: .kb), expiresAt: .now + .seconds(3600), freshUntil: .now - .seconds(10),
            origin: envelope)
        #expect(cache.memory.read("q", storedFrom: envelope, now: .now) != nil)
        let late = await cache.lookup("q")
        #expect(late.entry == nil, "past its TTL the entry is no hit, from either tier")
        #expect(late.staleEntry?.text == "short", "but it is still there for fail-safe answers")
    }

    @Test("an invalidation during a read of remembered bytes still wins")
    func invalidationWinsOverRememberedCopy() async {
        let store = ScriptedKVStore()
        let cache = await store.cache(holding: "q", "old")
        #expect(await cache.lookup("q").tier == .kv)
        let earlierReads = store.getGate.arrivals
        store.getGate.close()
        let inFlight = Task { await cache.lookup("q") }
        #expect(await store.getGate.waitForArrivals(earlierReads + 1))
        let report = await cache.invalidate("q")
        #expect(report.kvComplete)
        store.getGate.open()
        let answer = await inFlight.value
        #expect(answer.entry == nil, "the value read before the invalidation is not served")
        #expect(cache.memory.get("q") == nil)
        #expect(cache.statistics().supersededReads == 1)
    }

    @Test("bytes remembered for one key answer for no other")
    func rememberedForOneKeyOnly() async throws {
        let store = ScriptedKVStore()
        let cache = await store.cache(holding: "a", "for a")
        _ = await cache.lookup("a")
        let bytesOfA = try #require(store.raw("pcache:a"))
        #expect(cache.memory.read("b", storedFrom: bytesOfA, now: .now) == nil)
        // A misbehaving writer copies a's envelope to b: the envelope says "a", so b reads a miss.
        store.store(raw: bytesOfA, at: "pcache:b")
        let answer = await cache.lookup("b")
        #expect(answer.entry == nil)
        #expect(cache.memory.get("b") == nil)
    }
}
