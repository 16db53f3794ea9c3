import CacheCore
import Logging
import Testing

@Suite("Backplane messages and policy")
struct BackplaneMessageTests {
    @Test("messages round-trip, keys with spaces included; foreign text is refused")
    func roundTrip() {
        let set = BackplaneMessage(instance: "abc", change: .set(key: "what is a key value store?"))
        #expect(BackplaneMessage(decoding: set.encoded) == set)
        let invalidate = BackplaneMessage(instance: "x1", change: .invalidate(pattern: "faq:*"))
        #expect(BackplaneMessage(decoding: invalidate.encoded) == invalidate)
        #expect(String(decoding: set.encoded, as: UTF8.self) == "pcbp1 abc s what is a key value store?")
        #expect(BackplaneMessage(decoding: Array("pcbp2 abc s k".utf8)) == nil)
        #expect(BackplaneMessage(decoding: Array("pcbp1 abc x k".utf8)) == nil)
        #expect(BackplaneMessage(decoding: Array("pcbp1 abc s".utf8)) == nil)
        #expect(BackplaneMessage(decoding: [0xff, 0xfe]) == nil)
        // An empty key is a key like any other.
        #expect(BackplaneMessage(decoding: Array("pcbp1 abc s ".utf8))?.change == .set(key: ""))
    }

    @Test("the channel can never be one of the namespace's keys")
    func channelOutsideTheNamespace() {
        let channel = BackplaneMessage.channel(namespace: "pcache")
        #expect(channel == "{pcache}:backplane")
        #expect(!channel.hasPrefix("pcache:"))
        #expect(CacheConfiguration.namespaceProblem("{pcache}") != nil)
    }

    @Test("the policy keeps the heartbeat under the staleness bound")
    func policyClamps() {
        let policy = BackplanePolicy(maximumStaleness: .milliseconds(100), heartbeatInterval: .seconds(1))
        #expect(policy.heartbeatInterval == .milliseconds(50))
        #expect(BackplanePolicy(maximumStaleness: .zero).maximumStaleness == .milliseconds(10))
    }

    @Test("memory-first without a KV store answers from memory, without a backplane")
    func memoryOnly() async {
        var configuration = CacheConfiguration()
        configuration.readStrategy = .memoryFirst
        let cache = TieredCache(configuration: configuration, kvStore: nil, logger: .init(label: "test"))
        await cache.set("k", CacheEntry(text: "v", source: .kb))
        let found = await cache.lookup("k")
        #expect(found.entry?.text == "v" && found.tier == .memory)
        #expect(cache.backplaneStatus().state == .inactive)
    }
}
