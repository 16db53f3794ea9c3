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
/// The slots it watches live in the connection's own locked state (``RedisConnection/State/watched``), so a
/// caller pays no second lock: one `Deque` append under the lock it takes anyway. The thread wakes every
/// `tick` while commands are outstanding and parks on a semaphore after 20 ms without any.
final class RedisDeadlineGuard: Sendable {
    /// What the guard's thread does next, decided under the connection's lock.
    enum Step {
        case stop
        case sleep
        case tick([RedisReplySlot])
    }

    /// Keeps the guard's bookkeeping in the connection's state.
    struct Watch {
        var slots: Deque<RedisReplySlot> = []
        var sleeping = false
        var stopped = false
        var idleTicks = 0
    }

    let grace: Duration
    let tick: Duration
    private let semaphore = DispatchSemaphore(value: 0)
    private let poisoned = Atomic<Bool>(false)

    init(grace: Duration = .milliseconds(5), tick: Duration = .milliseconds(5)) {
        self.grace = grace
        self.tick = tick
    }

    /// How many empty ticks pass before the thread parks: a few, so an idle connection (and a process with
    /// many of them) costs no wake-ups, while steady traffic rarely pays for waking it.
    var idleTicksBeforeSleep: Int { max(1, Int(Duration.milliseconds(20) / tick)) }

    /// Starts the thread; `step` decides under the connection's lock.
    func start(name: String, step: @escaping @Sendable (ContinuousClock.Instant) -> Step) {
        let thread = Thread { [self] in run(step) }
        thread.name = name
        thread.start()
    }

    /// Wakes a parked guard (called when ``Watch/sleeping`` was set and is cleared under the lock).
    func wake() {
        semaphore.signal()
    }

    /// Whether the guard resumed a caller since the last call; resets the flag. No wake-up is needed: an I/O
    /// thread that is merely asleep wakes at that deadline anyway, and a stalled one checks when it resumes.
    func takePoisoned() -> Bool {
        poisoned.exchange(false, ordering: .acquiringAndReleasing)
    }

    /// Whether the guard resumed a caller the I/O thread has not dealt with yet (callers then leave the
    /// socket to the I/O thread, which closes the connection first).
    var isPoisoned: Bool { poisoned.load(ordering: .relaxed) }

    private func run(_ step: @Sendable (ContinuousClock.Instant) -> Step) {
        while true {
            switch step(ContinuousClock.now) {
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

extension RedisDeadlineGuard.Watch {
    /// One tick of the guard, under the connection's lock: drop finished slots, take the late ones.
    mutating func step(now: ContinuousClock.Instant, grace: Duration, idleTicksBeforeSleep: Int) -> RedisDeadlineGuard.Step {
        if stopped { return .stop }
        while let first = slots.first, first.isResumed { slots.removeFirst() }
        if slots.isEmpty {
            idleTicks += 1
            if idleTicks >= idleTicksBeforeSleep {
                sleeping = true
                return .sleep
            }
            return .tick([])
        }
        idleTicks = 0
        var late: [RedisReplySlot] = []
        slots.removeAll { slot in
            if slot.isResumed { return true }
            if slot.deadline + grace <= now {
                late.append(slot)
                return true
            }
            return false
        }
        return .tick(late)
    }

    /// Adds a slot; returns whether the guard must be woken.
    mutating func add(_ slot: RedisReplySlot) -> Bool {
        slots.append(slot)
        idleTicks = 0
        guard sleeping else { return false }
        sleeping = false
        return true
    }

    /// Asks the thread to end; returns whether it must be woken.
    mutating func stop() -> Bool {
        stopped = true
        let wasSleeping = sleeping
        sleeping = false
        return wasSleeping
    }
}
