/// The data structure behind ``MemoryTier``: a dictionary into an array of nodes threaded as a doubly
/// linked list in recency order (head = most recent), with a free list so nodes are reused, not reallocated.
struct LRUStorage {
    private struct Node {
        var key: String
        var entry: CacheEntry
        var size: Int
        var expiresAt: ContinuousClock.Instant?
        /// When the entry stops being fresh; `nil` when it is fresh until ``expiresAt``. Between the two it
        /// is kept only as a stale fallback (fail-safe).
        var freshUntil: ContinuousClock.Instant?
        /// The KV envelope the entry was decoded from, when its bytes determine everything kept here (empty:
        /// none). A KV read returning these very bytes needs no decoding (see ``MemoryTier/read(_:storedFrom:now:)``).
        var origin: [UInt8]
        var previous: Int
        var next: Int
    }

    private static let none = -1
    private var index: [String: Int] = [:]
    private var nodes: [Node] = []
    private var freeSlots: [Int] = []
    private var head = LRUStorage.none
    private var tail = LRUStorage.none
    private(set) var bytes = 0
    private(set) var evictions = 0
    private(set) var expirations = 0

    init(evictions: Int = 0, expirations: Int = 0) {
        self.evictions = evictions
        self.expirations = expirations
    }

    var count: Int { index.count }
    var keys: Dictionary<String, Int>.Keys { index.keys }

    mutating func get(_ key: String, now: ContinuousClock.Instant) -> MemoryTier.Read? {
        guard let slot = index[key] else { return nil }
        return read(slot, now: now)
    }

    /// Like ``get(_:now:)``, but only when the entry was stored from exactly `origin` (non-empty).
    mutating func get(_ key: String, storedFrom origin: [UInt8], now: ContinuousClock.Instant) -> MemoryTier.Read? {
        guard let slot = index[key], !origin.isEmpty, nodes[slot].origin == origin else { return nil }
        return read(slot, now: now)
    }

    /// The entry in `slot` unless it has expired (then it is dropped), marked most recently used.
    private mutating func read(_ slot: Int, now: ContinuousClock.Instant) -> MemoryTier.Read? {
        if let expiresAt = nodes[slot].expiresAt, expiresAt <= now {
            unlinkAndFree(slot)
            expirations += 1
            return nil
        }
        moveToFront(slot)
        return MemoryTier.Read(
            entry: nodes[slot].entry, freshUntil: nodes[slot].freshUntil ?? nodes[slot].expiresAt,
            expiresAt: nodes[slot].expiresAt)
    }

    /// Stores `entry` at `key` (replacing what was there, origin included) as the most recently used.
    /// Returns the replaced entry and origin, so the caller can release them outside its lock.
    @discardableResult
    mutating func insert(
        _ key: String, entry: CacheEntry, size: Int, expiresAt: ContinuousClock.Instant?,
        freshUntil: ContinuousClock.Instant? = nil, origin: [UInt8] = []
    ) -> (entry: CacheEntry, origin: [UInt8])? {
        if let slot = index[key] {
            bytes += size - nodes[slot].size
            let replaced = (nodes[slot].entry, nodes[slot].origin)
            nodes[slot].entry = entry
            nodes[slot].origin = origin
            nodes[slot].size = size
            nodes[slot].expiresAt = expiresAt
            nodes[slot].freshUntil = freshUntil
            moveToFront(slot)
            return replaced
        }
        let node = Node(
            key: key, entry: entry, size: size, expiresAt: expiresAt, freshUntil: freshUntil, origin: origin,
            previous: Self.none, next: head)
        let slot: Int
        if let free = freeSlots.popLast() {
            nodes[free] = node
            slot = free
        } else {
            nodes.append(node)
            slot = nodes.count - 1
        }
        if head != Self.none { nodes[head].previous = slot }
        head = slot
        if tail == Self.none { tail = slot }
        index[key] = slot
        bytes += size
        return nil
    }

    mutating func remove(_ key: String) -> Bool {
        guard let slot = index[key] else { return false }
        unlinkAndFree(slot)
        return true
    }

    /// Evicts until both limits hold: expired entries from the cold end first, then the least recently used.
    mutating func enforce(_ limits: MemoryTier.Limits, now clock: @autoclosure () -> ContinuousClock.Instant) {
        guard index.count > limits.maximumEntries || bytes > limits.maximumBytes else { return }
        // Read only when over a limit: every KV hit stores its copy here, and most stores evict nothing.
        let now = clock()
        // Expired entries are free to drop; look at a bounded number from the cold end so a write stays O(1).
        var slot = tail
        var inspected = 0
        while slot != Self.none && inspected < 32 && (index.count > limits.maximumEntries || bytes > limits.maximumBytes) {
            let previous = nodes[slot].previous
            if let expiresAt = nodes[slot].expiresAt, expiresAt <= now {
                unlinkAndFree(slot)
                expirations += 1
            }
            slot = previous
            inspected += 1
        }
        while tail != Self.none && (index.count > limits.maximumEntries || bytes > limits.maximumBytes) {
            unlinkAndFree(tail)
            evictions += 1
        }
    }

    private mutating func moveToFront(_ slot: Int) {
        guard slot != head else { return }
        unlink(slot)
        nodes[slot].previous = Self.none
        nodes[slot].next = head
        if head != Self.none { nodes[head].previous = slot }
        head = slot
        if tail == Self.none { tail = slot }
    }

    private mutating func unlink(_ slot: Int) {
        let previous = nodes[slot].previous
        let next = nodes[slot].next
        if previous != Self.none { nodes[previous].next = next } else { head = next }
        if next != Self.none { nodes[next].previous = previous } else { tail = previous }
    }

    private mutating func unlinkAndFree(_ slot: Int) {
        unlink(slot)
        index[nodes[slot].key] = nil
        bytes -= nodes[slot].size
        // Drop the payload now rather than when the slot is reused, so freed memory is really freed.
        nodes[slot].entry = CacheEntry(bytes: [], source: .kb)
        nodes[slot].origin = []
        nodes[slot].key = ""
        freeSlots.append(slot)
    }
}
