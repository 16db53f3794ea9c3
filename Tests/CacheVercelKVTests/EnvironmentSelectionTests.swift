import PersistentCache
import Testing

@Suite("TieredCache.fromEnvironment: one import, every backend")
struct EnvironmentSelectionTests {
    @Test("Vercel's variables select REST and the cache round-trips through the bridge")
    func restSelected() async throws {
        let fixture = try await BridgeFixture.start()
        var environment = fixture.environment
        environment["KV_URL"] = "rediss://default:secret@example.invalid:6379"
        let cache = TieredCache.fromEnvironment(environment, logger: quietLogger)
        #expect(cache.mode == "rest")
        await cache.set("question", CacheEntry(text: "answer", source: .llm))
        await cache.waitForBackgroundWrites()
        #expect(try await fixture.redis.command(["EXISTS", "pcache:question"]).hasPrefix(":1"))
        let fresh = TieredCache.fromEnvironment(environment, logger: quietLogger)
        let lookup = await fresh.lookup("question")
        #expect(lookup.entry?.text == "answer")
        #expect(lookup.tier == .kv)
        let report = await fresh.invalidate("*")
        #expect(report.kvRemoved == 1 && report.kvComplete)
        await cache.shutdown()
        await fresh.shutdown()
        await fixture.stop()
    }

    @Test("REDIS_URL selects Redis; CACHE_KV_BACKEND forces a choice; nothing is memory-only")
    func otherBackends() async throws {
        let fixture = try await BridgeFixture.start()
        let redisURL = fixture.redis.url
        let redis = TieredCache.fromEnvironment(["REDIS_URL": redisURL], logger: quietLogger)
        #expect(redis.mode == "redis")
        await redis.set("q", CacheEntry(text: "a", source: .kb))
        await redis.waitForBackgroundWrites()
        #expect(try await fixture.redis.command(["EXISTS", "pcache:q"]).hasPrefix(":1"))
        await redis.shutdown()

        var both = fixture.environment
        both["REDIS_URL"] = redisURL
        let defaultChoice = TieredCache.fromEnvironment(both, logger: quietLogger)
        #expect(defaultChoice.mode == "rest")
        await defaultChoice.shutdown()
        both["CACHE_KV_BACKEND"] = "redis"
        let forced = TieredCache.fromEnvironment(both, logger: quietLogger)
        #expect(forced.mode == "redis")
        await forced.shutdown()
        both["CACHE_KV_BACKEND"] = "memory"
        #expect(TieredCache.fromEnvironment(both, logger: quietLogger).mode == "memory-only")
        #expect(TieredCache.fromEnvironment([:], logger: quietLogger).mode == "memory-only")
        let tls = TieredCache.fromEnvironment(["KV_URL": "rediss://:x@127.0.0.1:1"], logger: quietLogger)
        #expect(tls.mode == "redis")
        await tls.shutdown()
        #expect(TieredCache.fromEnvironment(["KV_URL": "redis://h:99999"], logger: quietLogger).mode == "memory-only")
        await fixture.stop()
    }

    @Test("a read-only token alone reads but never writes")
    func readOnly() async throws {
        let fixture = try await BridgeFixture.start()
        _ = try await fixture.redis.command(["SET", "pcache:seeded", "not an envelope"])
        let environment = ["KV_REST_API_URL": fixture.url, "KV_REST_API_READ_ONLY_TOKEN": BridgeFixture.token]
        guard case .rest(let endpoint, _) = KVBackendSelection.detect(in: environment) else {
            Issue.record("expected REST")
            return
        }
        #expect(endpoint.readOnly)
        let cache = TieredCache.fromEnvironment(environment, logger: quietLogger)
        await cache.set("new", CacheEntry(text: "x", source: .kb))
        await cache.waitForBackgroundWrites()
        #expect(try await fixture.redis.command(["EXISTS", "pcache:new"]).hasPrefix(":0"))
        #expect(await cache.get("new")?.text == "x")
        #expect(cache.statistics().kvErrorsByClass.isEmpty)
        await cache.shutdown()
        await fixture.stop()
    }
}
