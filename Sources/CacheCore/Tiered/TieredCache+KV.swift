import Foundation
import Logging

extension TieredCache {
    enum KVReadOutcome {
        case hit(CacheEntry)
        case miss
        case failed(KVError.Code)
    }

    /// Reads and decodes one entry from the KV tier, keeping a copy in memory on a hit.
    func readFromKV(_ key: CacheKey, store: any KVStore) async -> KVReadOutcome {
        let started = ContinuousClock.now
        let bytes: [UInt8]?
        do {
            bytes = try await store.get(
                key.backendKey, maximumBytes: configuration.maximumEntryBytes, verify: nil,
                deadline: started + configuration.kvDeadline)
        } catch where error.code == .valueTooLarge {
            // Someone stored more than we will load: a miss like a malformed entry, not a KV failure.
            let elapsed = ContinuousClock.now - started
            statisticsRecorder.recordKVLatency(elapsed)
            metrics.recordLatency(elapsed, operation: .get, succeeded: true)
            recordEntryTooLarge(key, operation: .get, bytes: nil)
            return .miss
        } catch {
            recordKVFailure(error, operation: .get, key: key, started: started)
            return .failed(error.code)
        }
        let elapsed = ContinuousClock.now - started
        statisticsRecorder.recordKVLatency(elapsed)
        metrics.recordLatency(elapsed, operation: .get, succeeded: true)
        guard let bytes else {
            logger.debug("cache_kv_miss", metadata: ["key": "\(Self.loggable(key.normalized))"])
            return .miss
        }
        let decoded: CacheEntryCodec.Decoded
        do {
            decoded = try CacheEntryCodec.decode(bytes, expectedKey: key.normalized)
        } catch {
            // Another writer's format, a newer version, or garbage: a miss, never a crash or a wrong answer.
            statisticsRecorder.recordMalformedEntry()
            logger.warning("cache_entry_malformed", metadata: [
                "key": "\(Self.loggable(key.normalized))",
                "reason": "\(error)",
                "bytes": "\(bytes.count)",
            ])
            return .miss
        }
        var memoryExpiry: ContinuousClock.Instant?
        if let expiresAt = decoded.expiresAt {
            guard let expiry = Self.memoryExpiry(for: expiresAt, now: .now) else { return .miss }
            memoryExpiry = expiry
        } else if let ttl = configuration.defaultTTL {
            memoryExpiry = .now + ttl
        }
        memory.set(key.normalized, decoded.entry, expiresAt: memoryExpiry)
        logger.debug("cache_kv_hit", metadata: [
            "key": "\(Self.loggable(key.normalized))",
            "latency_us": "\(elapsed / .microseconds(1))",
        ])
        return .hit(decoded.entry)
    }

    /// The memory-tier expiry of an entry stored with `expiresAt`, or `nil` when it has expired. Stored
    /// dates come from any writer: the time left is clamped (to the codec's timestamp range, 273 790
    /// years), so no date, however far or odd, can overflow the conversion to a clock instant.
    static func memoryExpiry(for expiresAt: Date, now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        let remaining = expiresAt.timeIntervalSinceNow
        // `!(remaining > 0)` also catches NaN.
        guard remaining > 0 else { return nil }
        let longest = CacheEntryCodec.timestampRange.upperBound / 1000
        return now + .milliseconds(Int64(min(remaining, longest) * 1000))
    }

    /// The envelope stored for `entry` at `key` with `ttl`, or `nil` (logged and counted) when it is over
    /// ``CacheConfiguration/maximumEntryBytes``.
    func encodeWithinLimit(_ key: CacheKey, _ entry: CacheEntry, ttl: Duration?) -> [UInt8]? {
        let expiresAt = ttl.map { Date().addingTimeInterval(Double($0 / .milliseconds(1)) / 1000) }
        let bytes = CacheEntryCodec.encode(entry, key: key.normalized, expiresAt: expiresAt)
        guard bytes.count <= configuration.maximumEntryBytes else {
            recordEntryTooLarge(key, operation: .set, bytes: bytes.count)
            return nil
        }
        return bytes
    }

    /// Logs and counts an entry over the size limit: read as a miss (`bytes` unknown, it was never
    /// loaded) or refused on write.
    func recordEntryTooLarge(_ key: CacheKey, operation: CacheMetrics.Operation, bytes: Int?) {
        statisticsRecorder.recordEntryTooLarge()
        (operation == .get ? metrics.tooLargeRead : metrics.tooLargeWrite).increment()
        var metadata: Logger.Metadata = [
            "key": "\(Self.loggable(key.normalized))",
            "operation": "\(operation.rawValue)",
            "maximum_bytes": "\(configuration.maximumEntryBytes)",
        ]
        if let bytes { metadata["bytes"] = "\(bytes)" }
        logger.warning("cache_entry_too_large", metadata: metadata)
    }

    /// Starts a KV write the caller does not wait for; dropped (and counted) when too many are running.
    /// `encoded` is the envelope when the caller already made it; entries over the size limit are never sent.
    func writeInBackground(_ key: CacheKey, _ entry: CacheEntry, ttl: Duration?, store: any KVStore, encoded: [UInt8]? = nil) {
        guard let bytes = encoded ?? encodeWithinLimit(key, entry, ttl: ttl) else { return }
        guard backgroundWrites.tryStart() else {
            statisticsRecorder.recordBackgroundWriteDropped()
            metrics.backgroundDropped.increment()
            logger.debug("cache_kv_write_dropped", metadata: ["key": "\(Self.loggable(key.normalized))"])
            return
        }
        statisticsRecorder.recordBackgroundWrite()
        Task {
            defer { backgroundWrites.finish() }
            let started = ContinuousClock.now
            do throws(KVError) {
                try await store.set(key.backendKey, value: bytes, ttl: ttl, deadline: started + configuration.kvDeadline)
                let elapsed = ContinuousClock.now - started
                statisticsRecorder.recordKVLatency(elapsed)
                metrics.recordLatency(elapsed, operation: .set, succeeded: true)
                metrics.backgroundOK.increment()
            } catch {
                statisticsRecorder.recordBackgroundWriteFailure()
                metrics.backgroundError.increment()
                recordKVFailure(error, operation: .set, key: key, started: started)
            }
        }
    }

    /// Logs (throttled), counts and times one KV failure.
    func recordKVFailure(_ error: KVError, operation: CacheMetrics.Operation, key: CacheKey?, started: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - started
        statisticsRecorder.recordKVLatency(elapsed)
        statisticsRecorder.recordKVError(error.code)
        metrics.recordLatency(elapsed, operation: operation, succeeded: false)
        metrics.recordError(error.code, operation: operation)
        var metadata: Logger.Metadata = [
            "operation": "\(operation.rawValue)",
            "class": "\(error.code.name)",
            "error": "\(error.message)",
            "elapsed_ms": "\(elapsed / .milliseconds(1))",
        ]
        if let key { metadata["key"] = "\(Self.loggable(key.normalized))" }
        if let prefix = error.serverErrorPrefix { metadata["server_error"] = "\(prefix)" }
        if let suppressed = errorLogThrottle.admit(error.code) {
            if suppressed > 0 { metadata["suppressed_since_last"] = "\(suppressed)" }
            logger.warning("cache_kv_error", metadata: metadata)
        } else {
            logger.debug("cache_kv_error", metadata: metadata)
        }
    }
}
