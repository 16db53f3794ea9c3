import CacheCore
import Logging
import Testing

/// Defect 2 of issue 7: namespaces that share a prefix must never reach each other's keys.
@Suite("TieredCache namespaces")
struct TieredCacheNamespaceTests {
    private let logger = Logger(label: "test")

    @Test("namespaces with ':' or glob characters, empty or too long are refused", arguments: [
        "pcache:v2", "pc*", "pc?", "p[a]", "p\\c", "", "with space", "ü", String(repeating: "n", count: 200),
    ])
    func refused(namespace: String) {
        #expect(CacheConfiguration.namespaceProblem(namespace) != nil)
    }

    @Test("ordinary namespaces are accepted", arguments: ["pcache", "pcache-v2", "scn-kv-failing-42", "App_1.v3"])
    func accepted(namespace: String) {
        #expect(CacheConfiguration.namespaceProblem(namespace) == nil)
    }

    @Test("a cache with an ambiguous namespace runs memory-only and never touches the KV store")
    func ambiguousNamespaceIsMemoryOnly() async {
        let store = ScriptedKVStore()
        let other = TieredCache(configuration: CacheConfiguration(namespace: "pcache:v2"), kvStore: store, logger: logger)
        #expect(other.mode == "memory-only")
        await other.set("q", CacheEntry(text: "v2 answer", source: .kb))
        await other.waitForBackgroundWrites()
        #expect(await other.get("q")?.text == "v2 answer", "memory still answers")
        #expect(store.keys.isEmpty, "nothing may be written under an ambiguous prefix")
        #expect(await other.invalidate("*").kvComplete == false)
        await other.replaceKVStore(ScriptedKVStore())
        #expect(other.mode == "memory-only", "a later store is refused too")
    }

    @Test("invalidate(\"*\") in one namespace leaves a namespace that shares its prefix alone")
    func sharedPrefix() async {
        let store = ScriptedKVStore()
        let short = TieredCache(configuration: CacheConfiguration(namespace: "pcache"), kvStore: store, logger: logger)
        let long = TieredCache(configuration: CacheConfiguration(namespace: "pcache-v2"), kvStore: store, logger: logger)
        await short.set("q", CacheEntry(text: "v1", source: .kb))
        await long.set("q", CacheEntry(text: "v2", source: .kb))
        await short.waitForBackgroundWrites()
        await long.waitForBackgroundWrites()
        let report = await short.invalidate("*")
        #expect(report.kvRemoved == 1 && report.kvComplete)
        #expect(store.raw("pcache-v2:q") != nil)
        #expect(store.raw("pcache:q") == nil)
    }
}
