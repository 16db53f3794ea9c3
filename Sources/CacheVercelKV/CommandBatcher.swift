import Synchronization

/// Automatic pipelining: commands that arrive while every request slot is busy wait, and leave together
/// in one `/pipeline` request as soon as a slot frees up.
///
/// There is no timer and no added delay: a command that finds a free slot leaves at once, alone. Batches
/// form only under concurrency, exactly when sharing one round trip pays.
///
/// No task per batch either: `send` reports back through a callback (the HTTP client's event loop
/// calls it when the response is handled), which takes the next batch and sends it from there.
final class CommandBatcher: Sendable {
    /// Performs one HTTP request for a batch, resolves every slot in it, then calls the completion.
    typealias Send = @Sendable (_ batch: [PendingCommand], _ completion: @escaping @Sendable () -> Void) -> Void

    private struct State {
        var queue: [PendingCommand] = []
        var inFlight = 0
    }

    private let state = Mutex(State())
    private let maximumInFlight: Int
    private let maximumBatchSize: Int
    private let send: Send

    init(maximumInFlight: Int, maximumBatchSize: Int, send: @escaping Send) {
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

    private func start(_ batch: [PendingCommand]) {
        send(batch) { [self] in
            let next: [PendingCommand]? = state.withLock { state in
                if let next = takeBatch(&state) { return next }
                state.inFlight -= 1
                return nil
            }
            if let next { start(next) }
        }
    }

    /// Takes up to `maximumBatchSize` queued commands whose callers still wait (a command whose deadline
    /// passed while queued was already answered with a timeout, and is not sent).
    private func takeBatch(_ state: inout State) -> [PendingCommand]? {
        guard !state.queue.isEmpty else { return nil }
        var batch: [PendingCommand] = []
        batch.reserveCapacity(min(maximumBatchSize, state.queue.count))
        var taken = 0
        for pending in state.queue {
            taken += 1
            if pending.slot.isResolved { continue }
            batch.append(pending)
            if batch.count == maximumBatchSize { break }
        }
        state.queue.removeFirst(taken)
        return batch.isEmpty ? nil : batch
    }
}
