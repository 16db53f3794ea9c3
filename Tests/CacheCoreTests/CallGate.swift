import Synchronization

/// Holds the calls that pass through it while it is closed, until the test opens it: the way tests choose
/// the order of two racing operations instead of hoping for it.
final class CallGate: Sendable {
    private struct State {
        var isOpen = true
        var arrivals = 0
        var held: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// Calls that reached the gate so far (held or not).
    var arrivals: Int { state.withLock { $0.arrivals } }

    /// From now on, calls wait at the gate.
    func close() { state.withLock { $0.isOpen = false } }

    /// Lets every held call go on, and every later one pass.
    func open() {
        let held = state.withLock { state in
            state.isOpen = true
            defer { state.held = [] }
            return state.held
        }
        for call in held { call.resume() }
    }

    /// Lets the call held longest go on; the gate stays closed.
    func releaseOne() {
        let first = state.withLock { state in state.held.isEmpty ? nil : state.held.removeFirst() }
        first?.resume()
    }

    /// Called by the store at the point where a call may be held.
    func pass() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let passes = state.withLock { state in
                state.arrivals += 1
                if state.isOpen { return true }
                state.held.append(continuation)
                return false
            }
            if passes { continuation.resume() }
        }
    }

    /// Waits until `count` calls have reached the gate; `false` if that did not happen within `limit`.
    func waitForArrivals(_ count: Int, within limit: Duration = .seconds(10)) async -> Bool {
        let end = ContinuousClock.now + limit
        while arrivals < count {
            guard ContinuousClock.now < end else { return false }
            try? await Task.sleep(for: .milliseconds(1))
        }
        return true
    }
}

/// Polls `condition` until it holds or `limit` passes; returns whether it held. A wait for a state, never a
/// measurement: tests assert what happened, not how fast.
func eventually(within limit: Duration = .seconds(10), _ condition: () -> Bool) async -> Bool {
    let end = ContinuousClock.now + limit
    while !condition() {
        guard ContinuousClock.now < end else { return false }
        try? await Task.sleep(for: .milliseconds(2))
    }
    return true
}
