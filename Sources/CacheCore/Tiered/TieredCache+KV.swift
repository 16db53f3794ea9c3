import Foundation
import Logging
import CoreMetrics

extension TieredCache {
    enum KVReadOutcome {
        /// `latency` is not recorded yet: the lookup records it with the hit, under one lock.
        case hit(CacheEntry, latency: Duration)
        /// Past its fresh lifetime, inside its stale window: a miss, kept as a fail-safe fallback.
        case stale(CacheEntry)
        case miss
        case failed(KVError.Code)
    }

    /// Reads and decodes one entry from the KV tier, keeping a copy in memory on a hit.
    ///
    /// `epoch` is ``InvalidationFence/epoch`` taken before the lookup read anything: a value read before an
    /// invalidation of its key is neither kept nor served once that invalidation has begun.
    nonisolated(nonsending) func readFromKV(_ key: CacheKey, store: any KVStore, epoch: UInt64, within limit: Duration? = nil) async -> KVReadOutcome {
        // Only the await here; everything else in synchronous functions (see TieredCache+LookupSteps).
        let started = ContinuousClock.now
        let read: Result<[UInt8]?, KVError>
        do throws(KVError) {
            read = .success(try await store.get(
                key.backendKey, maximumBytes: configuration.maximumEntryBytes, verify: replyCheck(for: key),
                deadline: started + kvReadBudget(within: limit)))
        } catch {
            read = .failure(error)
        }
        return finishKVRead(key, read, started: started, epoch: epoch)
    }

    /// The time a KV read may take: the KV deadline, or less when the caller has less left.
    private func kvReadBudget(within limit: Duration?) -> Duration {
        limit.map { min($0, configuration.kvDeadline) } ?? configuration.kvDeadline
    }

    /// Classifies, decodes and records what a KV read returned (synchronous: see ``readFromKV``).
    private func finishKVRead(
        _ key: CacheKey, _ read: Result<[UInt8]?, KVError>, started: ContinuousClock.Instant, epoch: UInt64
    ) -> KVReadOutcome {
        let bytes: [UInt8]?
        do {
            bytes = try read.get()
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
        // One clock read serves the latency and, below, the memory copy's expiry (a read per lookup less).
        let finished = ContinuousClock.now
        let elapsed = finished - started
        // Every outcome but a hit records its latency here; a hit's goes with the hit (one lock, not two).
        var latencyRecorded = false
        defer { if !latencyRecorded { statisticsRecorder.recordKVLatency(elapsed) } }
        metrics.recordLatency(elapsed, operation: .get, succeeded: true)
        guard let bytes else {
            newerEntries.forget(key.normalized)
            logger.debug("cache_kv_miss", metadata: ["key": "\(Self.loggable(key.normalized))"])
            return .miss
        }
        // The bytes memory's copy was decoded from, read again (a hot key): that copy is the answer, with
        // no decoding and no new copy. Identical bytes were checked for this key when first decoded.
        if bytes.count <= Self.largestRememberedEnvelope, let read = memory.read(key.normalized, storedFrom: bytes, now: finished),
           !read.isStale(at: finished) {
            newerEntries.forget(key.normalized)
            return finishKVHit(key, read.entry, elapsed: elapsed, epoch: epoch, latencyRecorded: &latencyRecorded)
        }
        let decoded: CacheEntryCodec.Decoded
        do {
            decoded = try CacheEntryCodec.decode(bytes, expectedKey: key.normalized)
        } catch {
            recordUnreadableEntry(error, key: key, bytes: bytes.count)
            return .miss
        }
        newerEntries.forget(key.normalized)
        let now = finished
        var memoryExpiry: ContinuousClock.Instant?
        var freshUntil: ContinuousClock.Instant?
        var isStale = false
        if let expiresAt = decoded.expiresAt {
            freshUntil = Self.memoryExpiry(for: expiresAt, now: now)
            memoryExpiry = freshUntil
            if let staleUntil = decoded.staleUntil {
                memoryExpiry = Self.memoryExpiry(for: staleUntil, now: now)
                guard memoryExpiry != nil else { return .miss }
                if freshUntil == nil {
                    isStale = true
                    freshUntil = now
                }
            }
            guard memoryExpiry != nil else { return .miss }
        } else if let ttl = configuration.defaultTTL {
            memoryExpiry = now + ttl
        }
        // A stale copy never replaces what memory holds (possibly a fresher answer whose KV write failed).
        if !isStale || memory.read(key.normalized, now: now) == nil {
            // The envelope is kept with the copy when it alone says when the copy expires (not a default
            // TTL counted from now), so reading the same bytes again can reuse the copy as it is.
            let remembered = !isStale && bytes.count <= Self.largestRememberedEnvelope
                && (decoded.expiresAt != nil || configuration.defaultTTL == nil)
            memory.set(key.normalized, decoded.entry, expiresAt: memoryExpiry, freshUntil: freshUntil, origin: remembered ? bytes : [])
        }
        if isStale {
            if isSuperseded(key, since: epoch) { return .miss }
            return .stale(decoded.entry)
        }
        return finishKVHit(key, decoded.entry, elapsed: elapsed, epoch: epoch, latencyRecorded: &latencyRecorded)
    }

    /// The largest envelope kept beside its decoded copy in memory (``finishKVRead``): small answers are
    /// where decoding is most of a hit's cost; keeping larger ones would double the memory they take.
    static let largestRememberedEnvelope = 4 << 10

    /// A KV hit whose entry memory now holds: served unless an invalidation superseded it meanwhile.
    private func finishKVHit(
        _ key: CacheKey, _ entry: CacheEntry, elapsed: Duration, epoch: UInt64, latencyRecorded: inout Bool
    ) -> KVReadOutcome {
        if isSuperseded(key, since: epoch) { return .miss }
        logger.debug("cache_kv_hit", metadata: [
            "key": "\(Self.loggable(key.normalized))",
            "latency_us": "\(elapsed / .microseconds(1))",
        ])
        latencyRecorded = true
        return .hit(entry, latency: elapsed)
    }

    /// Stored first, checked after (see InvalidationFence.isSuperseded): an invalidation of this key that
    /// began after the lookup started wins, and the value read before it is neither kept nor served.
    private func isSuperseded(_ key: CacheKey, since epoch: UInt64) -> Bool {
        guard invalidations.isSuperseded(key.normalized, since: epoch) else { return false }
        memory.remove(key.normalized)
        statisticsRecorder.recordSupersededRead()
        logger.debug("cache_kv_read_superseded", metadata: ["key": "\(Self.loggable(key.normalized))"])
        return true
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

    /// The envelope stored for `entry` at `key` with `ttl` (and a stale window past it), or `nil` (logged
    /// and counted) when it is over ``CacheConfiguration/maximumEntryBytes``.
    func encodeWithinLimit(_ key: CacheKey, _ entry: CacheEntry, ttl: Duration?, staleWindow: Duration?) -> [UInt8]? {
        let now = Date()
        let expiresAt = ttl.map { now.addingTimeInterval(Double($0 / .milliseconds(1)) / 1000) }
        let staleUntil = expiresAt.flatMap { fresh in
            staleWindow.map { fresh.addingTimeInterval(Double($0 / .milliseconds(1)) / 1000) }
        }
        let bytes = CacheEntryCodec.encode(entry, key: key.normalized, expiresAt: expiresAt, staleUntil: staleUntil)
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
    /// `encoded` is the envelope when the caller already made it; an entry over
    /// ``CacheConfiguration/maximumEntryBytes`` is never sent (logged and counted).
    @discardableResult
    func writeInBackground(
        _ key: CacheKey, _ entry: CacheEntry, ttl: Duration?, staleWindow: Duration?, store: any KVStore, epoch: UInt64,
        encoded: [UInt8]? = nil
    ) -> Bool {
        if newerEntries.contains(key.normalized) {
            statisticsRecorder.recordOverwriteAvoided()
            logger.debug("cache_kv_write_skipped", metadata: ["key": "\(Self.loggable(key.normalized))", "reason": "newer_entry"])
            return false
        }
        guard let bytes = encoded ?? encodeWithinLimit(key, entry, ttl: ttl, staleWindow: staleWindow) else { return false }
        let started = ContinuousClock.now
        let lifetime = PendingLifetime(started: started, ttl: ttl, staleWindow: staleWindow)
        guard let ticket = backgroundWrites.tryStart() else {
            statisticsRecorder.recordBackgroundWriteDropped()
            metrics.backgroundDropped.increment()
            logger.debug("cache_kv_write_dropped", metadata: ["key": "\(Self.loggable(key.normalized))"])
            // Too many writes running means a slow KV tier: keep it for when the tier is back.
            keepForReplay(key, entry, lifetime: lifetime, epoch: epoch)
            return false
        }
        if invalidations.isSuperseded(key.normalized, since: epoch) {
            backgroundWrites.finish(ticket)
            statisticsRecorder.recordSupersededWrite()
            logger.debug("cache_kv_write_skipped", metadata: ["key": "\(Self.loggable(key.normalized))", "reason": "invalidated"])
            return false
        }
        statisticsRecorder.recordBackgroundWrite()
        // The KV TTL is the whole stale-allowed lifetime: the key must outlive its fresh instant.
        let kvTTL = ttl.map { $0 + (staleWindow ?? .zero) }
        Task {
            defer { backgroundWrites.finish(ticket) }
            let started = ContinuousClock.now
            do throws(KVError) {
                try await store.set(key.backendKey, value: bytes, ttl: kvTTL, deadline: started + configuration.kvDeadline)
                let elapsed = ContinuousClock.now - started
                statisticsRecorder.recordKVLatency(elapsed)
                metrics.recordLatency(elapsed, operation: .set, succeeded: true)
                metrics.backgroundOK.increment()
                // The tier takes writes again: what failed meanwhile can be shared now.
                replayPendingWritesIfAny()
            } catch {
                statisticsRecorder.recordBackgroundWriteFailure()
                metrics.backgroundError.increment()
                recordKVFailure(error, operation: .set, key: key, started: started)
                if Self.isWorthReplaying(error) { keepForReplay(key, entry, lifetime: lifetime, epoch: epoch) }
            }
            // An invalidation of this key began while the write was in flight. It waited for the write
            // before its SCAN, but only up to the deadline: if it gave up, the old value may have landed
            // after the SCAN. Delete it again (a later value of the key may go too: a miss, never stale).
            if invalidations.isSuperseded(key.normalized, since: epoch) {
                await revertWrite(key, store: store)
            }
            // After the write landed (or failed), so another instance that drops its copy re-reads the new value.
            await publishChange(.set(key: key.normalized))
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
        if error.code == .circuitOpen {
            logCircuitRefusal(error, operation: operation, key: key, elapsed: elapsed)
            return
        }
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
