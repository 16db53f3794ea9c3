import Foundation
import Logging

extension TieredCache {
    enum KVReadOutcome {
        case hit(CacheEntry)
        case miss
        case failed(KVError.Code)
    }

    /// Reads and decodes one entry from the KV tier, keeping a copy in memory on a hit.
    ///
    /// `epoch` is ``InvalidationFence/epoch`` taken before the lookup read anything: a value read before an
    /// invalidation of its key is neither kept nor served once that invalidation has begun.
    func readFromKV(_ key: CacheKey, store: any KVStore, epoch: UInt64) async -> KVReadOutcome {
        let started = ContinuousClock.now
        let bytes: [UInt8]?
        do {
            bytes = try await store.get(
                key.backendKey, maximumBytes: .max, verify: replyCheck(for: key), deadline: started + configuration.kvDeadline)
        } catch {
            recordKVFailure(error, operation: .get, key: key, started: started)
            return .failed(error.code)
        }
        let elapsed = ContinuousClock.now - started
        statisticsRecorder.recordKVLatency(elapsed)
        metrics.recordLatency(elapsed, operation: .get, succeeded: true)
        guard let bytes else {
            newerEntries.forget(key.normalized)
            logger.debug("cache_kv_miss", metadata: ["key": "\(Self.loggable(key.normalized))"])
            return .miss
        }
        let decoded: CacheEntryCodec.Decoded
        do {
            decoded = try CacheEntryCodec.decode(bytes, expectedKey: key.normalized)
        } catch {
            recordUnreadableEntry(error, key: key, bytes: bytes.count)
            return .miss
        }
        newerEntries.forget(key.normalized)
        var memoryExpiry: ContinuousClock.Instant?
        if let expiresAt = decoded.expiresAt {
            let remaining = expiresAt.timeIntervalSinceNow
            guard remaining > 0 else { return .miss }
            memoryExpiry = .now + .milliseconds(Int64(remaining * 1000))
        } else if let ttl = configuration.defaultTTL {
            memoryExpiry = .now + ttl
        }
        memory.set(key.normalized, decoded.entry, expiresAt: memoryExpiry)
        // Stored first, checked after (see InvalidationFence.isSuperseded): an invalidation of this key
        // that began after the lookup started wins, and the value read before it is neither kept nor served.
        if invalidations.isSuperseded(key.normalized, since: epoch) {
            memory.remove(key.normalized)
            statisticsRecorder.recordSupersededRead()
            logger.debug("cache_kv_read_superseded", metadata: ["key": "\(Self.loggable(key.normalized))"])
            return .miss
        }
        logger.debug("cache_kv_hit", metadata: [
            "key": "\(Self.loggable(key.normalized))",
            "latency_us": "\(elapsed / .microseconds(1))",
        ])
        return .hit(decoded.entry)
    }

    /// The check the store runs on a reply before accepting it (on its I/O thread): a value that names
    /// another key belongs to another command, so the store refuses it and closes the connection. Entries
    /// that name no key, or are not readable, pass here and are refused by the decoder (a miss).
    func replyCheck(for key: CacheKey) -> KVReplyCheck {
        let expected = key.normalized
        // Captures `self` rather than its parts: one reference, the smallest closure context per read.
        return { [self] bytes in
            guard EnvelopeKeyProbe.probe(bytes, expectedKey: expected) == .other else { return true }
            statisticsRecorder.recordMisPairedReply()
            logger.error("cache_reply_mispaired", metadata: [
                "key": "\(Self.loggable(expected))", "bytes": "\(bytes.count)",
            ])
            return false
        }
    }

    /// Counts and logs a stored value that is not an entry this code may serve for `key`.
    func recordUnreadableEntry(_ error: CacheEntryCodec.DecodeError, key: CacheKey, bytes: Int) {
        let loggableKey = Self.loggable(key.normalized)
        switch error {
        case .missingKey:
            // Not proven to belong to this key: a miss, never served, never kept or written back.
            statisticsRecorder.recordKeylessEntry()
            logger.warning("cache_entry_keyless", metadata: ["key": "\(loggableKey)", "bytes": "\(bytes)"])
        case .unsupportedVersion(let version) where version > CacheEntryCodec.currentVersion:
            // Written by newer code: a miss here, and never overwritten by this code.
            newerEntries.remember(key.normalized)
            statisticsRecorder.recordNewerVersionEntry()
            logger.notice("cache_entry_newer_version", metadata: [
                "key": "\(loggableKey)", "version": "\(version)", "supported": "\(CacheEntryCodec.currentVersion)",
            ])
        default:
            // Another writer's format, an older version, or garbage: a miss, never a crash or a wrong answer.
            statisticsRecorder.recordMalformedEntry()
            logger.warning("cache_entry_malformed", metadata: [
                "key": "\(loggableKey)", "reason": "\(error)", "bytes": "\(bytes)",
            ])
        }
    }

    /// Starts a KV write the caller does not wait for; returns whether it was started.
    ///
    /// Not started (and counted) when too many writes are running, when the key holds an entry of a newer
    /// version, or when an invalidation of the key began after `epoch` (the moment the value was read, see
    /// ``InvalidationFence``). The slot is claimed *before* that last check, so an invalidation either sees
    /// this write running (and waits for it before its `SCAN`) or this write sees the invalidation.
    @discardableResult
    func writeInBackground(_ key: CacheKey, _ entry: CacheEntry, ttl: Duration?, store: any KVStore, epoch: UInt64) -> Bool {
        if newerEntries.contains(key.normalized) {
            statisticsRecorder.recordOverwriteAvoided()
            logger.debug("cache_kv_write_skipped", metadata: ["key": "\(Self.loggable(key.normalized))", "reason": "newer_entry"])
            return false
        }
        guard let ticket = backgroundWrites.tryStart() else {
            statisticsRecorder.recordBackgroundWriteDropped()
            metrics.backgroundDropped.increment()
            logger.debug("cache_kv_write_dropped", metadata: ["key": "\(Self.loggable(key.normalized))"])
            return false
        }
        if invalidations.isSuperseded(key.normalized, since: epoch) {
            backgroundWrites.finish(ticket)
            statisticsRecorder.recordSupersededWrite()
            logger.debug("cache_kv_write_skipped", metadata: ["key": "\(Self.loggable(key.normalized))", "reason": "invalidated"])
            return false
        }
        statisticsRecorder.recordBackgroundWrite()
        let expiresAt = ttl.map { Date().addingTimeInterval(Double($0 / .milliseconds(1)) / 1000) }
        let bytes = CacheEntryCodec.encode(entry, key: key.normalized, expiresAt: expiresAt)
        Task {
            defer { backgroundWrites.finish(ticket) }
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
            // An invalidation of this key began while the write was in flight. It waited for the write
            // before its SCAN, but only up to the deadline: if it gave up, the old value may have landed
            // after the SCAN. Delete it again (a later value of the key may go too: a miss, never stale).
            if invalidations.isSuperseded(key.normalized, since: epoch) {
                await revertWrite(key, store: store)
            }
        }
        return true
    }

    /// Deletes a key whose write an invalidation may have missed.
    private func revertWrite(_ key: CacheKey, store: any KVStore) async {
        let started = ContinuousClock.now
        do throws(KVError) {
            _ = try await store.delete([Array(key.backendKey.utf8)], deadline: started + configuration.kvDeadline)
            statisticsRecorder.recordSupersededWrite()
            logger.notice("cache_kv_write_reverted", metadata: ["key": "\(Self.loggable(key.normalized))"])
        } catch {
            recordKVFailure(error, operation: .delete, key: key, started: started)
        }
    }

    /// Logs (throttled), counts and times one KV failure; every one is a fallback (the operation went on
    /// with memory alone), counted by operation.
    func recordKVFailure(_ error: KVError, operation: CacheMetrics.Operation, key: CacheKey?, started: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - started
        statisticsRecorder.recordKVLatency(elapsed)
        statisticsRecorder.recordKVError(error.code)
        statisticsRecorder.recordFallback(operation)
        metrics.recordFallback(operation: operation)
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
