import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A connection's I/O thread doubles as a task executor: a caller running under
/// `withTaskExecutorPreference(store.executor)` issues its command and is resumed with the reply on the
/// thread that owns the socket, which saves the two thread hops (caller → I/O thread → caller) per call.
extension RedisConnection: TaskExecutor {
    func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        let (accepted, wake) = state.withLock { state in
            guard !state.exit.hasExited else { return (false, false) }
            state.jobs.append(unowned)
            return (true, Self.claimWakeUp(&state))
        }
        if wake { wakeUp() }
        // After shutdown the thread is gone; the task must still run somewhere.
        if !accepted { globalConcurrentExecutor.enqueue(ExecutorJob(unowned)) }
    }

    /// Whether the calling thread is this connection's I/O thread.
    var isCurrentThread: Bool {
        ioThreadIdentifier.load(ordering: .acquiring) == UInt(pthread_self())
    }
}
