import CacheCore
import Logging
import Synchronization

/// A KVStore test double for the cache's *own* logic (fallback, classification, decoding), with failures
/// scripted per call. Everything about real Redis behaviour is tested against a real redis-server in
/// CacheRedisTests.
final class ScriptedKVStore: KVStore {
    let backendName = "scripted"
    private let values = Mutex<[String: [UInt8]]>([:])
    private let failure = Mutex<(error: KVError, operations: Set<Operation>)?>(nil)
    private let shutDown = Atomic<Bool>(false)
    private let callCounts = Mutex<[Operation: Int]>([:])

    /// How many calls of `operation` reached the store (scripted failures included).
    func calls(_ operation: Operation) -> Int { callCounts.withLock { $0[operation, default: 0] } }

    /// The store's operations, to script a failure for some of them only.
    enum Operation: Hashable, CaseIterable {
        case get, set, delete, scan, ping
    }

    /// Holds `get` calls after the value was read (a reply in flight), while closed.
    let getGate = CallGate()
    /// Holds `set` calls before the value is written (a write in flight), while closed.
    let setGate = CallGate()
    /// Holds `scan` calls before the keys are listed, while closed.
    let scanGate = CallGate()

    /// Makes every operation in `operations` fail with `error` (`nil`: stop failing).
    func fail(with error: KVError?, operations: Set<Operation> = Set(Operation.allCases)) {
        failure.withLock { $0 = error.map { ($0, operations) } }
    }

    /// Whether ``shutdown()`` was called.
    var wasShutDown: Bool { shutDown.load(ordering: .relaxed) }
    func raw(_ key: String) -> [UInt8]? { values.withLock { $0[key] } }
    func store(raw bytes: [UInt8], at key: String) { values.withLock { $0[key] = bytes } }
    var keys: [String] { values.withLock { Array($0.keys) } }

    private func check(_ operation: Operation) throws(KVError) {
        callCounts.withLock { $0[operation, default: 0] += 1 }
        if let (error, operations) = failure.withLock({ $0 }), operations.contains(operation) { throw error }
    }

    func get(_ key: String, maximumBytes: Int, verify: KVReplyCheck?, deadline: ContinuousClock.Instant) async throws(KVError) -> [UInt8]? {
        try check(.get)
        let value = values.withLock { $0[key] }
        await getGate.pass()
        guard let value else { return nil }
        if value.count > maximumBytes { throw KVError(.valueTooLarge, "longer than \(maximumBytes) bytes") }
        if let verify, !verify(value) { throw KVError(.protocolError, "reply for another command") }
        return value
    }

    func set(_ key: String, value: [UInt8], ttl: Duration?, deadline: ContinuousClock.Instant) async throws(KVError) {
        await setGate.pass()
        try check(.set)
        values.withLock { $0[key] = value }
    }

    func delete(_ keys: [[UInt8]], deadline: ContinuousClock.Instant) async throws(KVError) -> Int {
        try check(.delete)
        // The double holds valid UTF-8 keys only (the cache writes no others).
        let names = keys.compactMap { String(validating: $0, as: UTF8.self) }
        return values.withLock { values in names.reduce(0) { $0 + (values.removeValue(forKey: $1) == nil ? 0 : 1) } }
    }

    func scan(cursor: UInt64, match pattern: String, count: Int, deadline: ContinuousClock.Instant) async throws(KVError) -> KVScanPage {
        await scanGate.pass()
        try check(.scan)
        let glob = GlobPattern(pattern)
        return KVScanPage(nextCursor: 0, keys: values.withLock { $0.keys.filter { glob.matches($0) } })
    }

    func ping(deadline: ContinuousClock.Instant) async throws(KVError) { try check(.ping) }
    func shutdown() async {
        shutDown.store(true, ordering: .relaxed)
        fail(with: KVError(.shutDown, "shut down"))
    }
}

extension ScriptedKVStore {
    private static let testLogger = Logger(label: "test")

    /// A cache over this store with `text` stored at `key` in both tiers (its KV write has landed).
    func cache(holding key: String, _ text: String, configuration: CacheConfiguration = CacheConfiguration()) async -> TieredCache {
        let cache = TieredCache(configuration: configuration, kvStore: self, logger: Self.testLogger)
        await cache.set(key, CacheEntry(text: text, source: .kb))
        await cache.waitForBackgroundWrites()
        return cache
    }

    /// A cache over this store whose KV write of `text` at `key` is held in flight by ``setGate`` (closed
    /// here); `arrived` says whether the write reached the gate.
    func cache(
        writingHeld key: String, _ text: String, configuration: CacheConfiguration = CacheConfiguration()
    ) async -> (cache: TieredCache, arrived: Bool) {
        let cache = TieredCache(configuration: configuration, kvStore: self, logger: Self.testLogger)
        setGate.close()
        await cache.set(key, CacheEntry(text: text, source: .kb))
        return (cache, await setGate.waitForArrivals(setGate.arrivals + 1))
    }
}
