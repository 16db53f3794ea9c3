@testable import CacheCore
import Testing

@Suite("Pending KV write queue")
struct PendingWriteQueueTests {
    let now = ContinuousClock.now

    func write(_ key: String, _ text: String, expiresIn: Duration? = .seconds(60), generation: UInt64 = 0) -> PendingWriteQueue.Write {
        PendingWriteQueue.Write(
            key: CacheKey(key, namespace: "ns", maximumBytes: 1 << 20)!,
            entry: CacheEntry(text: text, source: .kb),
            expiresAt: expiresIn.map { now + $0 },
            generation: generation)
    }

    @Test("keeps only the newest write per key, and replays oldest first")
    func newestPerKey() {
        var queue = PendingWriteQueue(maximumEntries: 10, maximumBytes: 1 << 20)
        queue.enqueue(write("a", "1"))
        queue.enqueue(write("b", "1"))
        queue.enqueue(write("a", "2"))
        #expect(queue.count == 2)
        let replayed = queue.drain(now: now)
        #expect(replayed.map(\.key.normalized) == ["b", "a"])
        #expect(replayed.last?.entry.text == "2")
        #expect(queue.counts == .init(queued: 3, replayed: 2, dropped: 1))
        #expect(queue.count == 0 && queue.bytes == 0)
    }

    @Test("drops expired writes instead of replaying them")
    func expired() {
        var queue = PendingWriteQueue(maximumEntries: 10, maximumBytes: 1 << 20)
        queue.enqueue(write("short", "x", expiresIn: .milliseconds(10)))
        queue.enqueue(write("forever", "y", expiresIn: nil))
        let replayed = queue.drain(now: now + .seconds(1))
        #expect(replayed.map(\.key.normalized) == ["forever"])
        #expect(queue.counts.dropped == 1)
    }

    @Test("evicts the oldest writes beyond the entry and byte bounds")
    func bounds() {
        var byCount = PendingWriteQueue(maximumEntries: 3, maximumBytes: 1 << 20)
        for index in 0..<10 { byCount.enqueue(write("k\(index)", "v")) }
        #expect(byCount.drain(now: now).map(\.key.normalized) == ["k7", "k8", "k9"])

        var byBytes = PendingWriteQueue(maximumEntries: 100, maximumBytes: 3 * 200)
        for index in 0..<10 { byBytes.enqueue(write("k\(index)", String(repeating: "x", count: 120))) }
        #expect(byBytes.bytes <= 600)
        #expect(byBytes.drain(now: now).map(\.key.normalized) == ["k7", "k8", "k9"])

        var tooBig = PendingWriteQueue(maximumEntries: 100, maximumBytes: 100)
        tooBig.enqueue(write("huge", String(repeating: "x", count: 1000)))
        #expect(tooBig.count == 0 && tooBig.counts.dropped == 1)
    }

    @Test("an invalidation removes the queued writes it matches")
    func invalidation() {
        var queue = PendingWriteQueue(maximumEntries: 10, maximumBytes: 1 << 20)
        queue.enqueue(write("user:1", "a"))
        queue.enqueue(write("user:2", "b"))
        queue.enqueue(write("faq:1", "c"))
        #expect(queue.removeAll(matching: GlobPattern("user:*")) == 2)
        #expect(queue.drain(now: now).map(\.key.normalized) == ["faq:1"])
    }

    @Test("many replacements of one key keep the order log small and the result right")
    func replacements() {
        var queue = PendingWriteQueue(maximumEntries: 10, maximumBytes: 1 << 20)
        for index in 0..<10_000 { queue.enqueue(write("hot", "\(index)")) }
        queue.enqueue(write("cold", "c"))
        let replayed = queue.drain(now: now)
        #expect(replayed.map(\.key.normalized) == ["hot", "cold"])
        #expect(replayed.first?.entry.text == "9999")
    }
}
