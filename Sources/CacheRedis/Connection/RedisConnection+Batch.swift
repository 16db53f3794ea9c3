import CacheCore
import Synchronization

extension RedisConnection {
    /// Hands `commands` to the I/O thread back to back, under one lock, so no other caller's command can
    /// come between them on the wire, and returns the last one's reply (or the first failure among them).
    ///
    /// Redis Cluster's `ASK` needs exactly this: `ASKING` only applies to the very next command on the same
    /// connection. The I/O thread takes the queue whole and the state machine writes a submitted batch in
    /// order, so commands queued together are also written together.
    func send(_ commands: [RedisCommand], deadline: ContinuousClock.Instant) async -> Result<RedisReply, KVError> {
        guard commands.count > 1 else {
            guard let only = commands.first else { return .failure(KVError(.invalidRequest, "an empty batch of commands")) }
            return await send(only, deadline: deadline)
        }
        let slots = commands.map { _ in RedisReplySlot(deadline: deadline) }
        let (refusal, wakeIOThread, wakeGuard): (KVError?, Bool, Bool) = state.withLock { state in
            switch state.admission {
            case .shutDown:
                return (KVError(.shutDown, "the Redis store was shut down"), false, false)
            case .failingFast(let error):
                return (error, false, false)
            case .holding, .accepting:
                var wakeGuard = false
                for (command, slot) in zip(commands, slots) {
                    state.queue.append(PendingCommand(command: command, slot: slot))
                    if state.watch.add(slot) { wakeGuard = true }
                }
                return (nil, Self.claimWakeUp(&state), wakeGuard)
            }
        }
        if let refusal { return .failure(refusal) }
        if wakeIOThread { wakeUp() }
        if wakeGuard { deadlineGuard.wake() }
        outstanding.wrappingAdd(1, ordering: .relaxed)
        defer { outstanding.wrappingSubtract(1, ordering: .relaxed) }
        // Replies come in order, so once the last one is in, the earlier ones are too (or have failed).
        var last: Result<RedisReply, KVError> = .failure(KVError(.invalidRequest, "an empty batch of commands"))
        for slot in slots {
            let (result, _) = await slot.wait(spinningFor: nil)
            if case .failure = result, slot !== slots.last { return result }
            last = result
        }
        return last
    }
}
