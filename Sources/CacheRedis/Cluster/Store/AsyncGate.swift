import Synchronization

/// A gate that opens once: tasks wait for it, each at most until its own deadline. A cluster store's first
/// requests wait on one for the first topology discovery, as a connection holds commands during its
/// first connect, so a freshly started process does not miss the cache on its very first requests.
final class AsyncGate: Sendable {
    private struct State {
        var isOpen = false
        var nextWaiter = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        /// Waiters whose task was cancelled before they registered.
        var cancelled: Set<Int> = []
    }

    private let state = Mutex(State())
    /// Mirrors `state.isOpen` for the hot path: every request of a cluster store asks, and the gate opens
    /// once, so a lock-free read saves a lock per request.
    private let opened = Atomic<Bool>(false)

    /// A closed gate.
    init() {}

    /// Whether the gate has opened.
    var isOpen: Bool { opened.load(ordering: .acquiring) }

    /// Opens the gate for good and releases every waiter.
    func open() {
        let waiters = state.withLock { state in
            state.isOpen = true
            opened.store(true, ordering: .releasing)
            let waiters = state.waiters
            state.waiters = [:]
            return waiters
        }
        for waiter in waiters.values { waiter.resume() }
    }

    /// Waits until the gate opens or `deadline` passes, whichever comes first; returns whether it is open.
    @discardableResult
    func wait(until deadline: ContinuousClock.Instant) async -> Bool {
        if isOpen { return true }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForOpening() }
            group.addTask { try? await Task.sleep(until: deadline, clock: .continuous) }
            await group.next()
            group.cancelAll()
        }
        return isOpen
    }

    private func waitForOpening() async {
        let id = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.isOpen || state.cancelled.remove(id) != nil { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
                // Not registered yet (an opened gate never registers, so nothing lingers then).
                if !state.isOpen { state.cancelled.insert(id) }
                return nil
            }
            waiter?.resume()
        }
    }
}
