import Logging

extension TieredCache {
    /// Removes every entry whose key matches the glob `pattern`, from both tiers.
    ///
    /// Patterns follow Redis's glob syntax (see ``GlobPattern``) and are matched against cache keys, not
    /// backend keys: `invalidate("*")` empties this cache's namespace and nothing else. To match a key that
    /// itself contains `*`, `?`, `[`, `]` or `\`, escape them (``GlobPattern/escape(_:)`` escapes a whole
    /// key, so `invalidate(GlobPattern.escape(key))` removes exactly that key).
    ///
    /// The KV side walks the namespace with `SCAN MATCH` in batches (never `KEYS`, which blocks the
    /// server) and deletes each batch with `UNLINK`. A KV failure stops the KV side and is reported; the
    /// memory side is always cleared.
    ///
    /// Once it returns, no entry matching `pattern` written before the call is served again: KV reads in
    /// flight meanwhile are discarded instead of refilling memory, write-backs of values read before it are
    /// not sent, and the background writes already running are waited for (at most
    /// ``CacheConfiguration/kvDeadline``) before the `SCAN`, so none lands after it. The report says
    /// `kvComplete` only when the scan reached its end and every such write had finished.
    public func invalidate(_ pattern: String) async -> InvalidationReport {
        let normalizedPattern = CacheKey.normalize(pattern)
        let glob = GlobPattern(normalizedPattern)
        // Recorded before memory is cleared, so a read that finishes after the clearing sees it.
        let generation = invalidations.begin(glob)
        defer { invalidations.end(generation) }
        let memoryRemoved = memory.removeAll(matching: glob)
        // Kept writes it matches are never replayed (those kept later carry an older epoch: the fence skips them).
        changePendingWrites { $0.removeAll(matching: glob) }
        guard let store = currentStore else {
            return InvalidationReport(memoryRemoved: memoryRemoved, kvRemoved: 0, kvError: nil, kvComplete: false)
        }
        let writesSettled = await drainBackgroundWrites(reason: "invalidate")
        let prefix = configuration.namespace + ":"
        let kvPattern = GlobPattern.escape(configuration.namespace) + ":" + normalizedPattern
        let kvGlob = GlobPattern(kvPattern)
        var cursor: UInt64 = 0
        var removed = 0
        repeat {
            let started = ContinuousClock.now
            var operation = CacheMetrics.Operation.scan
            do {
                let page = try await store.scan(
                    cursor: cursor, match: kvPattern, count: configuration.invalidationBatchSize,
                    deadline: started + configuration.kvDeadline)
                // Defence in depth: delete only what is inside our namespace and matches the pattern,
                // byte for byte, whatever the server's SCAN returned. The whole backend key is matched
                // against the whole SCAN pattern: the pattern alone against the key alone differs for the
                // empty key (`**` matches `pcache:` after `pcache:`, but not ``).
                let doomed = page.keys.filter { key in
                    key.starts(with: prefix.utf8) && kvGlob.matches(bytes: key)
                }
                if !doomed.isEmpty {
                    operation = .delete
                    removed += try await store.delete(doomed, deadline: ContinuousClock.now + configuration.kvDeadline)
                }
                cursor = page.nextCursor
            } catch {
                recordKVFailure(error, operation: operation, key: nil, started: started)
                logger.warning("cache_invalidate_incomplete", metadata: [
                    "pattern": "\(Self.loggable(pattern))", "kv_removed": "\(removed)", "class": "\(error.code.name)",
                ])
                await publishChange(.invalidate(pattern: normalizedPattern))
                return InvalidationReport(memoryRemoved: memoryRemoved, kvRemoved: removed, kvError: error, kvComplete: false)
            }
        } while cursor != 0
        logger.info("cache_invalidated", metadata: [
            "pattern": "\(Self.loggable(pattern))", "memory_removed": "\(memoryRemoved)", "kv_removed": "\(removed)",
            "complete": "\(writesSettled)",
        ])
        // After the KV keys are gone, so the other instances' next reads miss.
        await publishChange(.invalidate(pattern: normalizedPattern))
        return InvalidationReport(memoryRemoved: memoryRemoved, kvRemoved: removed, kvError: nil, kvComplete: writesSettled)
    }
}
