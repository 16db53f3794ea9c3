import Synchronization

/// The keys this instance has seen holding an entry of a newer envelope version than it writes, so that
/// it never overwrites them (issue 7, defect 5): during a rolling deploy that changes the format, the old
/// instances leave the new instances' entries alone.
///
/// A key is remembered when a read finds a newer entry, and forgotten when a read finds the key empty or
/// readable again, or after `retention`. The set is bounded; when it is full the oldest key is forgotten
/// (that key loses its protection, nothing else). What it cannot see: a newer entry written between this
/// instance's read and its write, or a blind ``TieredCache/set(_:_:ttl:)`` of a key this instance has not
/// read recently, still overwrites.
///
/// Why not a server-side conditional write (a Lua script that decodes the stored entry with cjson and
/// skips the `SET` when it is newer)? Measured with redis-benchmark on a 560-byte envelope, it cost 9.2 µs of
/// server CPU per write against 0.67 µs for a plain `SET` (about 14×, on every write, for an event that
/// happens only during deploys), needs scripting rights the documented ACL user does not have, and would
/// put the envelope's format into the KV store, which stores opaque bytes. Remembering costs nothing while
/// the set is empty (an atomic load).
final class NewerEntryKeys: Sendable {
    private struct State {
        var until: [String: ContinuousClock.Instant] = [:]
        var order: [String] = []
    }

    private let state = Mutex(State())
    /// How many keys are remembered, mirrored outside the lock: almost always zero, and then the read and
    /// write paths take no lock at all.
    private let count = Atomic<Int>(0)
    private let capacity: Int
    private let retention: Duration

    init(capacity: Int = 4096, retention: Duration) {
        self.capacity = max(1, capacity)
        self.retention = retention
    }

    /// Remembers that `key` holds a newer entry.
    func remember(_ key: String, now: ContinuousClock.Instant = .now) {
        state.withLock { state in
            if state.until.updateValue(now + retention, forKey: key) == nil { state.order.append(key) }
            while state.until.count > capacity, !state.order.isEmpty {
                state.until[state.order.removeFirst()] = nil
            }
            // Forgotten keys leave stale names in `order`; compact once they dominate.
            if state.order.count > 2 * capacity { state.order.removeAll { state.until[$0] == nil } }
            count.store(state.until.count, ordering: .relaxed)
        }
    }

    /// Forgets `key` (it was found empty or readable).
    func forget(_ key: String) {
        guard count.load(ordering: .relaxed) > 0 else { return }
        state.withLock { state in
            state.until[key] = nil
            count.store(state.until.count, ordering: .relaxed)
        }
    }

    /// Whether `key` is known to hold a newer entry.
    func contains(_ key: String, now: ContinuousClock.Instant = .now) -> Bool {
        guard count.load(ordering: .relaxed) > 0 else { return false }
        return state.withLock { state in
            guard let until = state.until[key] else { return false }
            if until > now { return true }
            state.until[key] = nil
            count.store(state.until.count, ordering: .relaxed)
            return false
        }
    }
}
