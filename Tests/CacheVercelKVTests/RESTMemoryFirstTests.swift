import CacheCore
import CacheVercelKV
import KVRestBridge
import RedisServerSupport
import Testing

/// Memory-first over the REST tier (issue 12): the backplane is a Redis stream polled through the bridge.
@Suite("TieredCache memory-first over the REST backplane")
struct RESTMemoryFirstTests {
    private func makeCache(_ fixture: BridgeFixture) throws -> TieredCache {
        var configuration = CacheConfiguration(namespace: "restfirst")
        configuration.readStrategy = .memoryFirst
        configuration.backplane = BackplanePolicy(maximumStaleness: .seconds(5), heartbeatInterval: .milliseconds(20))
        return TieredCache(configuration: configuration, kvStore: VercelKVStore(endpoint: try fixture.endpoint(), logger: quietLogger), logger: quietLogger)
    }


    @Test("a set and an invalidate through the bridge reach the other instance's memory; a failed poll resyncs")
    func setInvalidateAndResync() async throws {
        let fixture = try await BridgeFixture.start()
        let writer = try makeCache(fixture)
        let reader = try makeCache(fixture)
        #expect(await Poll.until { writer.backplaneStatus().state == .subscribed && reader.backplaneStatus().state == .subscribed })

        await writer.set("q", CacheEntry(text: "v1", source: .kb))
        await writer.waitForBackgroundWrites()
        #expect(await Poll.until { reader.backplaneStatus().messagesApplied >= 1 })
        #expect(await reader.lookup("q").tier == .kv)
        let memoryHit = await reader.lookup("q")
        #expect(memoryHit.tier == .memory && memoryHit.entry?.text == "v1")

        await writer.set("q", CacheEntry(text: "v2", source: .kb))
        await writer.waitForBackgroundWrites()
        #expect(await Poll.until { reader.backplaneStatus().messagesApplied >= 2 })
        #expect(await reader.lookup("q").entry?.text == "v2")

        let applied = reader.backplaneStatus().messagesApplied
        _ = await writer.invalidate("q")
        #expect(await Poll.until { reader.backplaneStatus().messagesApplied > applied })
        #expect(await reader.lookup("q").entry == nil)
        // The stream is outside the namespace: invalidate("*") never deletes it.
        _ = await writer.invalidate("*")
        #expect(try await fixture.redis.command(["EXISTS", BackplaneMessage.channel(namespace: "restfirst")]).hasPrefix(":1"))

        // Every request fails for a while: the poll breaks, then resubscribes and resyncs.
        let resyncs = reader.backplaneStatus().resyncs
        fixture.bridge.faults.set(.status(503))
        #expect(await Poll.until { reader.backplaneStatus().disconnects >= 1 })
        fixture.bridge.faults.set(nil)
        #expect(await Poll.until { reader.backplaneStatus().resyncs > resyncs && reader.backplaneStatus().state == .subscribed })
        await writer.shutdown()
        await reader.shutdown()
        await fixture.stop()
    }
}
