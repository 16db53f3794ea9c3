import CacheCore
import RedisServerSupport
import Testing

@testable import CacheRedis

/// Keys chosen by the slot they hash to, for tests that must meet a migration or a dead node.
enum ClusterTestKeys {
    /// The first `count` keys `prefix0`, `prefix1`, … whose slots are in `slots`.
    static func keys(_ prefix: String, count: Int, inSlots slots: Set<Int>) -> [String] {
        var keys: [String] = []
        var candidate = 0
        while keys.count < count {
            let key = "\(prefix)\(candidate)"
            if slots.contains(ClusterSlot(key: key).index) { keys.append(key) }
            candidate += 1
        }
        return keys
    }

    /// A resharding plan: the primaries of slot 0 (source) and 16383 (target), and the source's `count`
    /// highest slots, which ``RedisCluster/moveSlots(_:from:to:holdingEachSlot:timeout:)`` moves.
    static func reshardingPlan(
        _ layout: RedisClusterLayout, count: Int, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> (source: Int, target: Int, moving: Set<Int>) {
        let source = try #require(layout.primary(ofSlot: 0), sourceLocation: sourceLocation)
        let target = try #require(layout.primary(ofSlot: 16383), sourceLocation: sourceLocation)
        let sourceSlots = try #require(layout.primaries[source], sourceLocation: sourceLocation).flatMap { Array($0) }
        return (source, target, Set(sourceSlots.suffix(count)))
    }
}

extension TieredCache {
    /// Sets `count` entries `"<prefix> i"` → `"answer i"` and waits until they are written.
    func setAnswers(_ prefix: String, count: Int) async {
        for index in 0..<count {
            await set("\(prefix) \(index)", CacheEntry(text: "answer \(index)", source: .kb))
        }
        await waitForBackgroundWrites()
    }

    /// Expects every entry ``setAnswers(_:count:)`` wrote to be a KV hit.
    func expectKVHits(_ prefix: String, count: Int, sourceLocation: SourceLocation = #_sourceLocation) async {
        for index in 0..<count {
            let found = await lookup("\(prefix) \(index)")
            #expect(found.tier == .kv, sourceLocation: sourceLocation)
            #expect(found.entry?.text == "answer \(index)", sourceLocation: sourceLocation)
        }
    }
}
