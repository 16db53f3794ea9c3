@testable import CacheCore
import Testing

@Suite("MemoryTier")
struct MemoryTierTests {
    private func entry(_ text: String) -> CacheEntry { CacheEntry(text: text, source: .kb) }

    @Test("evicts the least recently used entry past the entry limit")
    func entryLimit() {
        let tier = MemoryTier(limits: .init(maximumEntries: 3, maximumBytes: 1 << 20))
        tier.set("a", entry("1"), expiresAt: nil)
        tier.set("b", entry("2"), expiresAt: nil)
        tier.set("c", entry("3"), expiresAt: nil)
        #expect(tier.get("a") != nil)  // a is now the most recent; b is the coldest
        tier.set("d", entry("4"), expiresAt: nil)
        #expect(tier.get("b") == nil)
        #expect(tier.get("a")?.text == "1")
        #expect(tier.get("c")?.text == "3")
        #expect(tier.get("d")?.text == "4")
        #expect(tier.usage.entries == 3)
        #expect(tier.usage.evictions == 1)
    }

    @Test("stays within the byte limit")
    func byteLimit() {
        let limit = 10 * (1000 + MemoryTier.entryOverhead + 8)
        let tier = MemoryTier(limits: .init(maximumEntries: 1000, maximumBytes: limit))
        for index in 0..<100 {
            tier.set("key-\(index)", CacheEntry(bytes: [UInt8](repeating: 7, count: 1000), source: .llm), expiresAt: nil)
            #expect(tier.usage.bytes <= limit)
        }
        #expect(tier.usage.entries <= 10)
        #expect(tier.get("key-99") != nil)
        #expect(tier.get("key-0") == nil)
    }

    @Test("refuses an entry larger than the whole tier and drops the older value at that key")
    func oversizedEntry() {
        let tier = MemoryTier(limits: .init(maximumEntries: 10, maximumBytes: 500))
        tier.set("k", entry("small"), expiresAt: nil)
        let stored = tier.set("k", CacheEntry(bytes: [UInt8](repeating: 1, count: 1000), source: .kb), expiresAt: nil)
        #expect(!stored)
        #expect(tier.get("k") == nil)
    }

    @Test("expired entries are misses")
    func expiry() {
        let tier = MemoryTier()
        let now = ContinuousClock.now
        tier.set("k", entry("v"), expiresAt: now + .milliseconds(50))
        #expect(tier.get("k", now: now)?.text == "v")
        #expect(tier.get("k", now: now + .milliseconds(51)) == nil)
        #expect(tier.usage.expirations == 1)
        #expect(tier.usage.entries == 0)
    }

    @Test("overwriting a key updates the value and the byte count")
    func overwrite() {
        let tier = MemoryTier()
        tier.set("k", entry("short"), expiresAt: nil)
        let before = tier.usage.bytes
        tier.set("k", entry("a much longer value"), expiresAt: nil)
        #expect(tier.get("k")?.text == "a much longer value")
        #expect(tier.usage.entries == 1)
        #expect(tier.usage.bytes == before + 14)
    }

    @Test("removeAll(matching:) removes only matching keys")
    func removeMatching() {
        let tier = MemoryTier()
        for key in ["user:1", "user:2", "order:1", "user*literal"] { tier.set(key, entry(key), expiresAt: nil) }
        #expect(tier.removeAll(matching: GlobPattern("user:*")) == 2)
        #expect(tier.get("order:1") != nil)
        #expect(tier.get("user*literal") != nil)
        #expect(tier.removeAll(matching: GlobPattern("*")) == 2)
        #expect(tier.usage.entries == 0)
        #expect(tier.usage.bytes == 0)
    }

    @Test("many inserts, reads and removals keep the list consistent")
    func churn() {
        let tier = MemoryTier(limits: .init(maximumEntries: 50, maximumBytes: 1 << 20))
        var generator = SystemRandomNumberGenerator()
        for step in 0..<5000 {
            let key = "k\(Int.random(in: 0..<200, using: &generator))"
            switch step % 3 {
            case 0: tier.set(key, entry(key), expiresAt: nil)
            case 1: if let found = tier.get(key) { #expect(found.text == key) }
            default: tier.remove(key)
            }
        }
        let remaining = tier.usage.entries
        #expect(remaining <= 50)
        #expect(tier.removeAll(matching: GlobPattern("*")) == remaining)
        #expect(tier.usage.entries == 0)
        #expect(tier.usage.bytes == 0)
    }
}
