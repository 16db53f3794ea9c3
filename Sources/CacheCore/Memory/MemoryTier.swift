import Foundation
import Synchronization

/// The in-process tier: bounded by entry count and by bytes, TTL-aware, least-recently-used eviction.
///
/// Unlike the seed's unbounded `Map`, it cannot grow without limit on a long-lived instance: inserting
/// past either limit evicts expired entries first, then the least recently used ones.
/// All operations are O(1) except ``removeAll(matching:)``, which scans.
public final class MemoryTier: Sendable {
    /// The bounds of the tier.
    public struct Limits: Sendable, Hashable {
        /// The most entries held at once.
        public var maximumEntries: Int
        /// The most bytes held at once, counting keys, values and a fixed per-entry overhead.
        public var maximumBytes: Int

        /// Creates limits; both must be positive.
        public init(maximumEntries: Int = 10_000, maximumBytes: Int = 64 << 20) {
            self.maximumEntries = max(1, maximumEntries)
            self.maximumBytes = max(1, maximumBytes)
        }
    }

    /// What the tier holds, for statistics.
    public struct Usage: Sendable, Hashable {
        /// Entries held now.
        public var entries: Int
        /// Bytes held now.
        public var bytes: Int
        /// Entries evicted to respect the limits since the tier was created.
        public var evictions: Int
        /// Entries dropped because their TTL had passed.
        public var expirations: Int
    }

    /// Bytes counted for each entry beyond its key and value (node, dictionary slot, date fields).
    static let entryOverhead = 96

    /// The limits the tier was created with.
    public let limits: Limits
    private let storage: Mutex<LRUStorage>

    /// Creates an empty tier.
    public init(limits: Limits = Limits()) {
        self.limits = limits
        self.storage = Mutex(LRUStorage())
    }

    /// An entry as held by the tier, fresh or kept only as a stale fallback.
    public struct Read: Sendable, Hashable {
        /// The entry.
        public var entry: CacheEntry
        /// When it stops being fresh (`nil`: never).
        public var freshUntil: ContinuousClock.Instant?
        /// When it is dropped, stale copy included (`nil`: never).
        public var expiresAt: ContinuousClock.Instant?

        /// Whether the entry is past its fresh lifetime at `now` (kept only for fail-safe answers).
        public func isStale(at now: ContinuousClock.Instant) -> Bool { freshUntil.map { $0 <= now } ?? false }
    }

    /// The entry at `key` if present and fresh; marks it most recently used. A stale copy kept for
    /// fail-safe answers is never returned here (see ``read(_:now:)``).
    public func get(_ key: String, now: ContinuousClock.Instant = .now) -> CacheEntry? {
        getWithExpiry(key, now: now)?.entry
    }

    /// Like ``get(_:now:)``, also returning when the entry stops being fresh.
    public func getWithExpiry(
        _ key: String, now: ContinuousClock.Instant = .now
    ) -> (entry: CacheEntry, expiresAt: ContinuousClock.Instant?)? {
        guard let read = read(key, now: now), !read.isStale(at: now) else { return nil }
        return (read.entry, read.freshUntil)
    }

    /// The entry at `key`, fresh or stale (until its stale lifetime ends), with both instants.
    public func read(_ key: String, now: ContinuousClock.Instant = .now) -> Read? {
        storage.withLock { $0.get(key, now: now) }
    }

    /// Like ``read(_:now:)``, but only when the entry was stored from exactly the bytes `origin` (see
    /// ``set(_:_:expiresAt:freshUntil:origin:)``); `nil` otherwise, the entry left where it is.
    func read(_ key: String, storedFrom origin: [UInt8], now: ContinuousClock.Instant) -> Read? {
        storage.withLock { $0.get(key, storedFrom: origin, now: now) }
    }

    /// Stores `entry` at `key`, expiring at `expiresAt` if given; returns `false` (storing nothing) when the
    /// entry alone is larger than the byte limit.
    ///
    /// `freshUntil`, when earlier than `expiresAt`, ends the entry's fresh lifetime: after it the entry is
    /// kept only as a stale fallback, returned by ``read(_:now:)`` but not by ``get(_:now:)``.
    @discardableResult
    public func set(
        _ key: String, _ entry: CacheEntry, expiresAt: ContinuousClock.Instant?, freshUntil: ContinuousClock.Instant? = nil
    ) -> Bool {
        set(key, entry, expiresAt: expiresAt, freshUntil: freshUntil, origin: [])
    }

    /// ``set(_:_:expiresAt:freshUntil:)`` for an entry decoded from the KV envelope `origin`, which is kept
    /// with it (and counted against the byte limit) when not empty, so that a KV read returning the same
    /// bytes again can take this copy instead of decoding them (``read(_:storedFrom:now:)``). Only for an
    /// entry whose expiry and freshness the envelope alone determines.
    @discardableResult
    func set(
        _ key: String, _ entry: CacheEntry, expiresAt: ContinuousClock.Instant?, freshUntil: ContinuousClock.Instant?,
        origin: [UInt8]
    ) -> Bool {
        let size = key.utf8.count + entry.value.count + origin.count + Self.entryOverhead
        guard size <= limits.maximumBytes else {
            storage.withLock { _ = $0.remove(key) }
            return false
        }
        // The replaced entry comes out of the lock and is released there, not inside the critical section.
        _ = storage.withLock { storage in
            defer { storage.enforce(limits, now: .now) }
            return storage.insert(key, entry: entry, size: size, expiresAt: expiresAt, freshUntil: freshUntil, origin: origin)
        }
        return true
    }

    /// Removes the entry at `key`; returns whether there was one.
    @discardableResult
    public func remove(_ key: String) -> Bool {
        storage.withLock { $0.remove(key) }
    }

    /// Removes every entry whose key matches `pattern`; returns how many were removed.
    public func removeAll(matching pattern: GlobPattern) -> Int {
        storage.withLock { storage in
            if pattern.matchesEverything {
                let count = storage.count
                storage = LRUStorage(evictions: storage.evictions, expirations: storage.expirations)
                return count
            }
            let doomed = storage.keys.filter { pattern.matches($0) }
            for key in doomed { _ = storage.remove(key) }
            return doomed.count
        }
    }

    /// What the tier holds now.
    public var usage: Usage {
        storage.withLock { Usage(entries: $0.count, bytes: $0.bytes, evictions: $0.evictions, expirations: $0.expirations) }
    }
}
