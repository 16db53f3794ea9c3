import CacheCore
import HeapModule
import Synchronization

/// Answers waiting commands with a timeout when their deadline passes: one sleeping task for the whole
/// store, not one per command.
///
/// Why: a `Task { sleep(until: deadline) }` per command cost a task, a timer registration and a
/// cancellation for every read, most of them for nothing (replies come in milliseconds, deadlines are
/// seconds away). Here a command costs one heap insertion under a lock.
///
/// The watcher sleeps until the earliest deadline; a command with an earlier deadline than the one it
/// sleeps for (rare: deadlines are usually now + the same timeout) replaces it with a new watcher.
/// Answered slots stay in the heap until their deadline comes up or a compaction drops them, which
/// happens whenever the heap has doubled since the last one, so its size stays proportional to the
/// commands of the last deadline period.
final class DeadlineWatcher: Sendable {
    private struct Entry: Comparable {
        var deadline: ContinuousClock.Instant
        var slot: ReplySlot

        static func < (lhs: Entry, rhs: Entry) -> Bool { lhs.deadline < rhs.deadline }
        static func == (lhs: Entry, rhs: Entry) -> Bool { lhs.deadline == rhs.deadline && lhs.slot === rhs.slot }
    }

    private struct State {
        var heap = Heap<Entry>()
        /// The running watcher's generation and the deadline it sleeps until; `nil` when none runs.
        var generation = 0
        var target: ContinuousClock.Instant?
        var compactAt = 1024
    }

    private let state = Mutex(State())

    init() {}

    /// Resolves `slot` with a timeout at `deadline` unless something resolves it first.
    func watch(_ slot: ReplySlot, until deadline: ContinuousClock.Instant) {
        let start: Int? = state.withLock { state in
            state.heap.insert(Entry(deadline: deadline, slot: slot))
            if state.heap.count >= state.compactAt {
                state.heap = Heap(state.heap.unordered.filter { !$0.slot.isResolved })
                state.compactAt = max(1024, state.heap.count * 2)
            }
            if let target = state.target, target <= deadline { return nil }
            state.generation += 1
            state.target = deadline
            return state.generation
        }
        if let start { launch(generation: start) }
    }

    private func launch(generation: Int) {
        Task { await self.run(generation: generation) }
    }

    private func run(generation: Int) async {
        while true {
            let clock = ContinuousClock()
            let now = clock.now
            var expired: [ReplySlot] = []
            let next: ContinuousClock.Instant? = state.withLock { state in
                // A newer watcher took over (an earlier deadline arrived): this one leaves.
                guard state.generation == generation else { return nil }
                while let first = state.heap.min, first.deadline <= now || first.slot.isResolved {
                    state.heap.removeMin()
                    if !first.slot.isResolved { expired.append(first.slot) }
                }
                state.target = state.heap.min?.deadline
                return state.target
            }
            for slot in expired { slot.resolve(.failure(KVError(.timeout, "no reply within the deadline"))) }
            guard let next else { return }
            try? await Task.sleep(until: next, clock: .continuous)
            if Task.isCancelled { return }
        }
    }
}
