import CacheCore
import Synchronization

/// A KVStore test double for the cache's *own* logic (fallback, classification, decoding), with failures
/// scripted per call. Everything about real Redis behaviour is tested against a real redis-server in
/// CacheRedisTests.
final class ScriptedKVStore: KVStore {
    let backendName = "scripted"
    private let values = Mutex<[String: [UInt8]]>([:])
    private let failure = Mutex<KVError?>(nil)

    func fail(with error: KVError?) { failure.withLock { $0 = error } }
    func raw(_ key: String) -> [UInt8]? { values.withLock { $0[key] } }
    func store(raw bytes: [UInt8], at key: String) { values.withLock { $0[key] = bytes } }
    var keys: [String] { values.withLock { Array($0.keys) } }

    private func check() throws(KVError) {
        if let error = failure.withLock({ $0 }) { throw error }
    }

    func get(_ key: String, maximumBytes: Int, verify: KVReplyCheck?, deadline: ContinuousClock.Instant) async throws(KVError) -> [UInt8]? {
        try check()
        guard let value = values.withLock({ $0[key] }) else { return nil }
        if value.count > maximumBytes { throw KVError(.valueTooLarge, "longer than \(maximumBytes) bytes") }
        if let verify, !verify(value) { throw KVError(.protocolError, "reply for another command") }
        return value
    }

    func set(_ key: String, value: [UInt8], ttl: Duration?, deadline: ContinuousClock.Instant) async throws(KVError) {
        try check()
        values.withLock { $0[key] = value }
    }

    func delete(_ keys: [[UInt8]], deadline: ContinuousClock.Instant) async throws(KVError) -> Int {
        try check()
        // The double holds valid UTF-8 keys only (the cache writes no others).
        let names = keys.compactMap { String(validating: $0, as: UTF8.self) }
        return values.withLock { values in names.reduce(0) { $0 + (values.removeValue(forKey: $1) == nil ? 0 : 1) } }
    }

    func scan(cursor: UInt64, match pattern: String, count: Int, deadline: ContinuousClock.Instant) async throws(KVError) -> KVScanPage {
        try check()
        let glob = GlobPattern(pattern)
        return KVScanPage(nextCursor: 0, keys: values.withLock { $0.keys.filter { glob.matches($0) } })
    }

    func ping(deadline: ContinuousClock.Instant) async throws(KVError) { try check() }
    func shutdown() async { fail(with: KVError(.shutDown, "shut down")) }
}
