import Synchronization

/// Automatic pipelining: commands that arrive while every request slot is busy wait, and leave together
/// in one `/pipeline` request as soon as a slot frees up.
///
/// There is no timer and no added delay: a command that finds a free slot leaves at once, alone. Batches
/// form only under concurrency, exactly when sharing one round trip pays.
final class CommandBatcher: Sendable {
    private struct State {
        var queue: [PendingCommand] = []
        var inFlight = 0
    }

    private let state = Mutex(State())
    private let maximumInFlight: Int
    private let maximumBatchSize: Int
    private let send: @Sendable ([PendingCommand]) async -> Void

    /// - `send`: performs one HTTP request for a batch and resolves every slot in it.
    init(maximumInFlight: Int, maximumBatchSize: Int, send: @escaping @Sendable ([PendingCommand]) async -> Void) {
        self.maximumInFlight = max(1, maximumInFlight)
        self.maximumBatchSize = max(1, maximumBatchSize)
        self.send = send
    }

    /// Queues a command; starts a request when a slot is free.
    func submit(_ command: PendingCommand) {
        let batch: [PendingCommand]? = state.withLock { state in
            state.queue.append(command)
            guard state.inFlight < maximumInFlight else { return nil }
            guard let batch = takeBatch(&state) else { return nil }
            state.inFlight += 1
            return batch
        }
        if let batch { start(batch) }
    }

    private func start(_ first: [PendingCommand]) {
        Task {
            var batch = first
            while true {
                await send(batch)
                let next: [PendingCommand]? = state.withLock { state in
                    if let next = takeBatch(&state) { return next }
                    state.inFlight -= 1
                    return nil
                }
                guard let next else { return }
                batch = next
            }
        }
    }

    /// Takes up to `maximumBatchSize` queued commands whose callers still wait (a command whose deadline
    /// passed while queued was already answered with a timeout, and is not sent).
    private func takeBatch(_ state: inout State) -> [PendingCommand]? {
        state.queue.removeAll { $0.slot.isResolved }
        guard !state.queue.isEmpty else { return nil }
        let count = min(maximumBatchSize, state.queue.count)
        let batch = Array(state.queue.prefix(count))
        state.queue.removeFirst(count)
        return batch
    }
}
