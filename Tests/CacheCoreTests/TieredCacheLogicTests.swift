import CacheCore
import Logging
import Testing

@Suite("TieredCache logic")
struct TieredCacheLogicTests {
    private let logger = Logger(label: "test")

    @Test("memory-only mode answers from memory and never counts KV errors")
    func memoryOnly() async {
        let cache = TieredCache(kvStore: nil, logger: logger)
        #expect(cache.mode == "memory-only")
        #expect(await cache.get("q") == nil)
        await cache.set("q", CacheEntry(text: "a", source: .kb))
        let found = await cache.lookup("q")
        #expect(found.tier == .memory)
        #expect(found.entry?.text == "a")
        let stats = cache.statistics()
        #expect(stats.kvErrors == 0)
        #expect(stats.fallbacks == 0)
        #expect(stats.memoryHits == 1 && stats.misses == 1)
    }

    @Test("every KV error class falls back to memory and is counted", arguments: [
        KVError.Code.timeout, .connectionRefused, .connectionReset, .protocolError, .authentication, .serverError,
    ])
    func fallback(code: KVError.Code) async throws {
        let store = ScriptedKVStore()
        // The classification itself, without the breaker (an `auth` failure would open it at once; its own
        // behaviour is TieredCacheCircuitBreakerTests').
        let cache = TieredCache(configuration: CacheConfiguration(circuitBreaker: .disabled), kvStore: store, logger: logger)
        await cache.set("q", CacheEntry(text: "answer", source: .llm))
        await cache.waitForBackgroundWrites()
        store.fail(with: KVError(code, "scripted"))
        let found = await cache.lookup("q")
        #expect(found.entry?.text == "answer")
        #expect(found.tier == .memory)
        #expect(found.kvError == code)
        let missing = await cache.lookup("other")
        #expect(missing.entry == nil && missing.kvError == code)
        let stats = cache.statistics()
        #expect(stats.fallbacks == 2)
        #expect(stats.kvErrorsByClass[code.name] == 2)
    }

    @Test("a memory hit after a KV miss is written back to KV")
    func writeBack() async throws {
        let store = ScriptedKVStore()
        let cache = TieredCache(kvStore: store, logger: logger)
        await cache.set("q", CacheEntry(text: "answer", source: .kb))
        await cache.waitForBackgroundWrites()
        _ = try await store.delete(["pcache:q"], deadline: .now + .seconds(1))
        #expect(await cache.lookup("q").tier == .memory)
        await cache.waitForBackgroundWrites()
        #expect(store.raw("pcache:q") != nil)
        #expect(cache.statistics().writeBacks == 1)
        #expect(await cache.lookup("q").tier == .kv)
    }

    @Test("a malformed KV entry is a logged miss and memory still answers")
    func malformedEntry() async {
        let store = ScriptedKVStore()
        let cache = TieredCache(kvStore: store, logger: logger)
        store.store(raw: Array("garbage".utf8), at: "pcache:q")
        #expect(await cache.get("q") == nil)
        #expect(cache.statistics().malformedEntries == 1)
        store.store(raw: CacheEntryCodec.encode(CacheEntry(text: "for p", source: .kb), key: "p", expiresAt: nil), at: "pcache:q")
        #expect(await cache.get("q") == nil, "an entry written for another key must never be returned")
    }

    @Test("getOrCompute computes once, then answers from the cache; compute errors reach the caller")
    func getOrCompute() async throws {
        let cache = TieredCache(kvStore: ScriptedKVStore(), logger: logger)
        let first = try await cache.getOrCompute("q") { CacheEntry(text: "computed", source: .llm) }
        #expect(first.origin == .computed)
        await cache.waitForBackgroundWrites()
        let second = try await cache.getOrCompute("q") { Issue.record("must not compute again"); return CacheEntry(text: "x", source: .llm) }
        #expect(second.origin == .kv)
        #expect(second.entry.text == "computed")
        struct OriginDown: Error {}
        await #expect(throws: OriginDown.self) {
            _ = try await cache.getOrCompute("new") { throw OriginDown() }
        }
    }

    @Test("keys over the limit are a logged miss and are not stored")
    func oversizedKey() async throws {
        let store = ScriptedKVStore()
        let cache = TieredCache(configuration: CacheConfiguration(maximumKeyBytes: 16), kvStore: store, logger: logger)
        let key = String(repeating: "k", count: 17)
        await cache.set(key, CacheEntry(text: "v", source: .kb))
        #expect(await cache.get(key) == nil)
        let result = try await cache.getOrCompute(key) { CacheEntry(text: "still answered", source: .kb) }
        #expect(result.entry.text == "still answered")
        await cache.waitForBackgroundWrites()
        #expect(store.keys.isEmpty)
        #expect(cache.statistics().rejectedKeys >= 2)
    }

    @Test("invalidate stays inside the namespace and honours escaped glob characters")
    func invalidation() async {
        let store = ScriptedKVStore()
        store.store(raw: [1], at: "other-app:q1")
        let cache = TieredCache(kvStore: store, logger: logger)
        for key in ["q1", "q2", "a*b", "axb"] { await cache.set(key, CacheEntry(text: key, source: .kb)) }
        await cache.waitForBackgroundWrites()
        let literal = await cache.invalidate(GlobPattern.escape("a*b"))
        #expect(literal.memoryRemoved == 1 && literal.kvRemoved == 1)
        #expect(await cache.get("axb")?.text == "axb")
        let all = await cache.invalidate("*")
        #expect(all.kvComplete)
        #expect(all.memoryRemoved == 3 && all.kvRemoved == 3)
        #expect(store.keys == ["other-app:q1"])
    }

    @Test("replacing the KV store with nil switches to memory-only without losing memory entries")
    func rollback() async {
        let cache = TieredCache(kvStore: ScriptedKVStore(), logger: logger)
        await cache.set("q", CacheEntry(text: "a", source: .kb))
        await cache.waitForBackgroundWrites()
        await cache.replaceKVStore(nil)
        #expect(cache.mode == "memory-only")
        let found = await cache.lookup("q")
        #expect(found.tier == .memory && found.kvError == nil)
    }
}
