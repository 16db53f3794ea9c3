/// Whether a dedicated thread (a connection's I/O thread, a shared loop's, the backplane subscriber's) has
/// exited, and the tasks waiting for it to. Kept inside its owner's locked state; the continuations are
/// resumed by whoever marks the exit, after releasing that lock.
struct ThreadExit {
    /// Whether the thread has exited (or will never run).
    private(set) var hasExited = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Adds `waiter` unless the thread has exited already; returns whether it was added (if not, the caller
    /// resumes it at once).
    mutating func add(_ waiter: CheckedContinuation<Void, Never>) -> Bool {
        if hasExited { return false }
        waiters.append(waiter)
        return true
    }

    /// Marks the thread exited; returns the waiters to resume once the lock is released.
    mutating func markExited() -> [CheckedContinuation<Void, Never>] {
        hasExited = true
        defer { waiters = [] }
        return waiters
    }

    /// Suspends until the thread has exited: `register` adds the continuation under the owner's lock
    /// (``add(_:)``) and says whether it did.
    static func wait(registering register: (CheckedContinuation<Void, Never>) -> Bool) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            if !register(continuation) { continuation.resume() }
        }
    }
}
