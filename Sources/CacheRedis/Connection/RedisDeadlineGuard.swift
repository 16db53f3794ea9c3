import CacheCore
import DequeModule
import Dispatch
import Foundation
import Synchronization

/// The caller-side half of the deadline guarantee: a small thread per connection, independent of the I/O
/// thread, that resumes any caller still waiting `grace` after its deadline with ``KVError/Code/timeout``
/// and marks the connection poisoned: its I/O thread closes it when it runs again (``takePoisoned()``), so
/// the late reply can never answer another command.
///
/// The I/O thread normally fails a command at its deadline itself. This guard matters when that thread is
/// late: a task that prefers the connection's executor runs a long job on it, the machine is overloaded, a
/// C call misbehaves. A caller therefore waits at most `deadline + grace + tick` plus scheduling delay.
///
/// Cost on the hot path: one uncontended lock and a `Deque` append per command. The thread wakes every
/// `tick` while commands are outstanding and parks on a semaphore after a second without any.
final class RedisDeadlineGuard: Sendable {
    private struct State {
        var watched: Deque<RedisReplySlot> = []
        var sleeping = false
        var stopped = false
        var idleTicks = 0
    }

    private enum Step {
        case stop
        case sleep
        case tick([RedisReplySlot])
    }

    private let state = Mutex(State())
    private let semaphore = DispatchSemaphore(value: 0)
    private let grace: Duration
    private let tick: Duration
    private let poisoned = Atomic<Bool>(false)

    /// Creates and starts the guard.
    init(name: String, grace: Duration = .milliseconds(5), tick: Duration = .milliseconds(5)) {
        self.grace = grace
        self.tick = tick
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    /// Watches `slot` until it is resumed.
    func watch(_ slot: RedisReplySlot) {
        let wake = state.withLock { state in
            state.watched.append(slot)
            state.idleTicks = 0
            guard state.sleeping else { return false }
            state.sleeping = false
            return true
        }
        if wake { semaphore.signal() }
    }

    /// Whether the guard resumed a caller since the last call; resets the flag. No wake-up is needed: an I/O
    /// thread that is merely asleep wakes at that deadline anyway, and a stalled one checks when it resumes.
    func takePoisoned() -> Bool {
        poisoned.exchange(false, ordering: .acquiringAndReleasing)
    }

    /// Ends the thread (callers still watched are resumed by the I/O thread's shutdown).
    func stop() {
        let wake = state.withLock { state in
            state.stopped = true
            let wasSleeping = state.sleeping
            state.sleeping = false
            return wasSleeping
        }
        if wake { semaphore.signal() }
    }

    private func run() {
        let idleTicksBeforeSleep = max(1, Int(Duration.seconds(1) / tick))
        while true {
            let now = ContinuousClock.now
            let step: Step = state.withLock { state in
                if state.stopped { return .stop }
                while let first = state.watched.first, first.isResumed { state.watched.removeFirst() }
                if state.watched.isEmpty {
                    state.idleTicks += 1
                    if state.idleTicks >= idleTicksBeforeSleep {
                        state.sleeping = true
                        return .sleep
                    }
                    return .tick([])
                }
                var late: [RedisReplySlot] = []
                state.watched.removeAll { slot in
                    if slot.isResumed { return true }
                    if slot.deadline + grace <= now {
                        late.append(slot)
                        return true
                    }
                    return false
                }
                return .tick(late)
            }
            switch step {
            case .stop:
                return
            case .sleep:
                semaphore.wait()
            case .tick(let late):
                var resumedAny = false
                for slot in late {
                    if slot.resume(.failure(KVError(.timeout, "no reply before the deadline (the connection's I/O thread was late)"))) {
                        resumedAny = true
                    }
                }
                if resumedAny { poisoned.store(true, ordering: .releasing) }
                Thread.sleep(forTimeInterval: Double(tick.components.attoseconds) / 1e18 + Double(tick.components.seconds))
            }
        }
    }
}
