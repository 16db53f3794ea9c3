import CacheCore
import Synchronization

/// The memory cases at 1 M entries: the same lookups as `memorytier.get` against a tier (and a locked
/// dictionary) a thousand times larger, to show what a big working set costs (cache misses, not code).
final class BigMemoryCases {
    static let entryCount = 1_000_000
    private let keys: [String]
    private let locked: Mutex<[String: CacheEntry]>
    private let memory: MemoryTier

    /// Builds both structures (a few seconds), or returns nil when no 1 M case is wanted.
    init?(wanted: Bool, entry: CacheEntry) {
        guard wanted else { return nil }
        keys = (0..<Self.entryCount).map { "bench:big:\($0)" }
        var dictionary: [String: CacheEntry] = [:]
        dictionary.reserveCapacity(Self.entryCount)
        for key in keys { dictionary[key] = entry }
        locked = Mutex(dictionary)
        memory = MemoryTier(limits: .init(maximumEntries: Self.entryCount + 1, maximumBytes: 4 << 30))
        for key in keys { _ = memory.set(key, entry, expiresAt: nil) }
    }

    /// Keys are visited in a scattered order, so consecutive lookups do not share cache lines.
    private func key(_ index: Int) -> String {
        keys[(index &* 7_919) % keys.count]
    }

    func lockedDictionary(duration: Duration, checksum: inout Int) -> BenchmarkResult {
        var sum = 0
        let result = ConcurrentCaseRunner.runSynchronous(name: "lockeddict.get.1m", duration: duration) { index in
            let key = key(index)
            sum &+= locked.withLock { $0[key]?.value.count ?? 0 }
        }
        checksum &+= sum
        return result
    }

    func memoryTier(duration: Duration, checksum: inout Int) -> BenchmarkResult {
        var sum = 0
        let result = ConcurrentCaseRunner.runSynchronous(name: "memorytier.get.1m", duration: duration) { index in
            sum &+= memory.get(key(index))?.value.count ?? 0
        }
        checksum &+= sum
        return result
    }
}
