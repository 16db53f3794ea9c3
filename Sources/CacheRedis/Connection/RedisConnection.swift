import CacheCore
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A command a caller has handed over, waiting for the I/O thread to take it.
struct PendingCommand: Sendable {
    let command: RedisCommand
    let slot: RedisReplySlot
}

/// One pipelined connection: the part callers share (a queue under a `Mutex`, a pipe that wakes the I/O
/// thread, and the deadline guard), and the dedicated thread that runs ``RedisConnectionLoop``.
///
/// Callers never touch the socket: they enqueue and, only when the I/O thread is asleep in `poll`, write
/// the wake-up pipe. Whatever piles up while the thread is busy goes out in the next single write, which is
/// what shares round trips between concurrent callers.
///
/// The pipe is written after the lock is released, never under it: Swift's `Mutex` on Linux is a
/// priority-inheritance futex that does not spin for long, so a woken I/O thread that finds the lock still
/// held (by the caller in its `write` system call) sleeps on it again, and every caller queued behind
/// pays a futex round trip. Both pipe ends stay open until the connection is freed (`deinit`), so the
/// descriptor a caller writes can never have been closed and reused in between.
final class RedisConnection: Sendable {
    /// Whether new commands are taken.
    enum Admission: Sendable {
        /// The first connection attempt is under way: commands wait for it (bounded by their deadlines),
        /// so a freshly started process does not miss the cache on its very first requests.
        case holding
        /// Connected: commands are queued and sent.
        case accepting
        /// Not connected (reconnecting in the background): commands fail at once with this error.
        case failingFast(KVError)
        /// Shut down for good.
        case shutDown
    }

    struct State {
        var admission: Admission = .holding
        var queue: [PendingCommand] = []
        /// True while the I/O thread sleeps (or is about to) in `poll` and must be woken through the pipe.
        var ioThreadSleeping = false
        var exit = ThreadExit()
        /// Jobs of tasks that prefer this connection's I/O thread as their executor.
        var jobs: [UnownedJob] = []
        /// The deadline guard's slots and state (under this lock, so a caller takes one lock per command).
        var watch = RedisDeadlineGuard.Watch()
        /// A finished name resolution for attempt `attempt`, delivered by the resolver's thread.
        var resolution: (attempt: Int, result: Result<[RedisSocketAddress], KVError>)?
        /// What callers need to write a command themselves while the I/O thread sleeps (see
        /// ``RedisConnection/DirectWrites``).
        var direct = DirectWrites()
    }

    let state: Mutex<State>
    /// The wake-up pipe's read end, polled and drained by the I/O thread; closed in `deinit`.
    let wakeReadDescriptor: Int32
    /// The wake-up pipe's write end (-1 if the pipe could not be created); closed in `deinit`, so it stays
    /// valid for as long as anyone can call ``wakeUp()``.
    let wakeWriteDescriptor: Int32
    let endpoint: RedisEndpoint
    let configuration: RedisStore.Configuration
    let resolver: any RedisHostResolver
    let logger: Logger
    let index: Int
    /// The I/O thread's `pthread_self()`, 0 until it runs, so callers can tell whether they are on it.
    let ioThreadIdentifier = Atomic<UInt>(0)
    /// Resumes callers the I/O thread is late for.
    let deadlineGuard: RedisDeadlineGuard
    /// Callers waiting in ``send(_:deadline:)``; only a caller that finds none spins.
    let outstanding = Atomic<Int>(0)
    /// Negative after a spin missed its reply: that many lone calls suspend at once before spinning again.
    let spinCredit = Atomic<Int>(0)
    /// How many calls (or I/O-thread sleeps) spinning pauses for after a spin that did not pay.
    static let spinPenalty = 64
    /// Whether callers may write their command to the socket themselves while the I/O thread sleeps
    /// (``RedisStore/Configuration/directWrites``).
    let directWritesEnabled: Bool
    /// The I/O thread this connection shares with others (nil: a thread of its own). Held so that the
    /// shared wake-up pipe, which callers write, stays open for as long as this connection lives.
    let sharedLoop: RedisSharedConnectionLoop?

    /// A connection that runs on a thread of its own, or, with `sharedLoop`, on that loop's thread beside
    /// other connections (a cluster store's nodes: one wake-up serves every node's replies and writes).
    init(
        index: Int, endpoint: RedisEndpoint, configuration: RedisStore.Configuration, resolver: any RedisHostResolver,
        logger: Logger, sharedLoop: RedisSharedConnectionLoop? = nil
    ) {
        self.index = index
        self.sharedLoop = sharedLoop
        self.endpoint = endpoint
        self.configuration = configuration
        self.resolver = resolver
        self.directWritesEnabled = configuration.directWrites
        var connectionLogger = logger
        connectionLogger[metadataKey: "redis.endpoint"] = "\(endpoint.redactedURL)"
        connectionLogger[metadataKey: "redis.connection"] = "\(index)"
        self.logger = connectionLogger
        var initial = State()
        if let sharedLoop {
            // The shared thread polls one pipe for all its connections.
            self.wakeReadDescriptor = sharedLoop.wakeReadDescriptor
            self.wakeWriteDescriptor = sharedLoop.wakeWriteDescriptor
            if sharedLoop.wakeWriteDescriptor < 0 {
                initial.admission = .failingFast(KVError(.unavailable, "could not create a wake-up pipe"))
                _ = initial.exit.markExited()
            }
            self.state = Mutex(initial)
            self.deadlineGuard = RedisDeadlineGuard()
            return
        }
        let ends = Self.makeWakePipe()
        if ends == nil {
            initial.admission = .failingFast(KVError(.unavailable, "could not create a wake-up pipe (errno \(errno))"))
            _ = initial.exit.markExited()
        }
        self.wakeReadDescriptor = ends?.read ?? -1
        self.wakeWriteDescriptor = ends?.write ?? -1
        self.state = Mutex(initial)
        self.deadlineGuard = RedisDeadlineGuard()
    }

    deinit {
        // A shared pipe belongs to the shared loop, which closes it when the last connection is gone.
        if sharedLoop == nil, wakeWriteDescriptor >= 0 {
            Glibc.close(wakeWriteDescriptor)
            Glibc.close(wakeReadDescriptor)
        }
    }

    /// A non-blocking, close-on-exec pipe for waking an I/O thread, or nil (errno tells why). A pipe rather
    /// than an eventfd: Glibc's Swift module does not expose sys/eventfd.h.
    static func makeWakePipe() -> (read: Int32, write: Int32)? {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return nil }
        for end in ends {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        return (ends[0], ends[1])
    }

    /// Starts the I/O thread (once), unless the wake-up pipe could not be created.
    func start() {
        let canStart = state.withLock { !$0.exit.hasExited }
        guard canStart else {
            logger.error("redis connection unusable: no wake-up descriptor")
            return
        }
        let grace = deadlineGuard.grace
        let idleTicks = deadlineGuard.idleTicksBeforeSleep
        deadlineGuard.start(name: "redis-guard-\(index)") { [self] now in
            state.withLock { $0.watch.step(now: now, grace: grace, idleTicksBeforeSleep: idleTicks) }
        }
        if let sharedLoop {
            sharedLoop.register(self)
            return
        }
        let thread = Thread { [self] in
            ioThreadIdentifier.store(UInt(pthread_self()), ordering: .releasing)
            let loop = RedisConnectionLoop(connection: self)
            loop.run()
        }
        thread.name = "redis-io-\(index)"
        thread.start()
    }

    // MARK: - Caller side

    /// Hands `command` to the I/O thread and waits for its reply or its failure, never past `deadline` by
    /// more than the deadline guard's grace and tick (a few milliseconds), whatever the I/O thread does.
    ///
    /// A caller that finds no other command outstanding on the connection spins briefly for its reply
    /// before suspending (see ``RedisReplySlot/wait(spinningFor:)``); with many concurrent callers nobody
    /// spins, since their replies share round trips anyway and the pool's threads are needed for work.
    nonisolated(nonsending) func send(_ command: RedisCommand, deadline: ContinuousClock.Instant) async -> Result<RedisReply, KVError> {
        // Only the await here: the steps around it are synchronous functions, so their temporaries are
        // stack slots rather than task allocations (and the caller's executor is kept: no hop).
        let slot = RedisReplySlot(deadline: deadline)
        let spin: Duration?
        switch hand(command, to: slot) {
        case .failure(let refusal): return .failure(refusal)
        case .success(let spinning): spin = spinning
        }
        let (result, caught) = await slot.wait(spinningFor: spin)
        finishWaiting(spun: spin != nil, caught: caught)
        return result
    }

    /// Queues `command` (or writes it directly), wakes whoever must be woken and counts the caller as
    /// outstanding; returns how long the caller may spin for its reply, or the refusal to fail it with.
    private func hand(_ command: RedisCommand, to slot: RedisReplySlot) -> Result<Duration?, KVError> {
        // Only a caller alone on the connection: with others waiting, their round trip is shared anyway.
        let mayWriteDirectly = directWritesEnabled && outstanding.load(ordering: .relaxed) == 0 && !deadlineGuard.isPoisoned
        let (refusal, wakeIOThread, wakeGuard): (KVError?, Bool, Bool) = state.withLock { state in
            switch state.admission {
            case .shutDown:
                return (KVError(.shutDown, "the Redis store was shut down"), false, false)
            case .failingFast(let error):
                return (error, false, false)
            case .holding, .accepting:
                let pending = PendingCommand(command: command, slot: slot)
                if mayWriteDirectly, state.queue.isEmpty, state.ioThreadSleeping {
                    switch state.direct.write(pending) {
                    case .written:
                        return (nil, false, state.watch.add(slot))
                    case .partlyWritten:
                        // The rest must go out before anything else: the I/O thread takes it from here.
                        return (nil, Self.claimWakeUp(&state), state.watch.add(slot))
                    case .notWritten:
                        break
                    }
                }
                state.queue.append(pending)
                return (nil, Self.claimWakeUp(&state), state.watch.add(slot))
            }
        }
        if let refusal { return .failure(refusal) }
        if wakeIOThread { wakeUp() }
        if wakeGuard { deadlineGuard.wake() }
        let alone = outstanding.wrappingAdd(1, ordering: .relaxed).oldValue == 0
        // Never on the I/O thread itself (a task preferring its executor): it would spin instead of reading.
        guard alone, !isCurrentThread, let configured = configuration.callerSpin else { return .success(nil) }
        if spinCredit.load(ordering: .relaxed) >= 0 { return .success(configured) }
        spinCredit.wrappingAdd(1, ordering: .relaxed)
        return .success(nil)
    }

    /// The caller has its result: adjusts the spin credit and stops counting it as outstanding.
    private func finishWaiting(spun: Bool, caught: Bool) {
        if spun {
            // A spin that missed means the answer needs a core this caller was holding (a loaded machine):
            // stop spinning for the next lone calls, and try again later.
            spinCredit.store(caught ? 0 : -Self.spinPenalty, ordering: .relaxed)
        }
        outstanding.wrappingSubtract(1, ordering: .relaxed)
    }

    /// Under the lock: whether the I/O thread sleeps and this caller is the one to wake it (then it must
    /// call ``wakeUp()`` once the lock is released).
    static func claimWakeUp(_ state: inout State) -> Bool {
        guard state.ioThreadSleeping else { return false }
        state.ioThreadSleeping = false
        return true
    }

    /// Writes the wake-up pipe; called outside the lock (see the type's comment). A byte that arrives
    /// after the thread woke for another reason only costs one spurious loop iteration.
    func wakeUp() {
        guard wakeWriteDescriptor >= 0 else { return }
        var byte: UInt8 = 1
        _ = Glibc.write(wakeWriteDescriptor, &byte, 1)
    }

    /// How many commands callers have written to the socket themselves so far (for tests and diagnostics).
    var directWriteCount: Int { state.withLock { $0.direct.count } }

    /// Whether the connection currently takes commands (connected, or holding for the first connect).
    var isAccepting: Bool {
        state.withLock { state in
            switch state.admission {
            case .accepting, .holding: return true
            case .failingFast, .shutDown: return false
            }
        }
    }

    /// Stops taking commands, fails the queued ones with ``KVError/Code/shutDown`` and wakes the I/O thread
    /// so it fails what is in flight, closes the transport and exits.
    func requestShutdown() {
        let abandoned: [PendingCommand] = state.withLock { state in
            state.admission = .shutDown
            let queued = state.queue
            state.queue = []
            return queued
        }
        wakeUp()
        for pending in abandoned {
            pending.slot.resume(.failure(KVError(.shutDown, "the Redis store was shut down")))
        }
    }

    /// Waits until the I/O thread has exited (after ``requestShutdown()``).
    func waitForExit() async {
        await ThreadExit.wait { waiter in state.withLock { $0.exit.add(waiter) } }
    }

    // MARK: - Resolver side

    /// Called on the resolver's thread: hands the result to the I/O thread and wakes it.
    func deliverResolution(attempt: Int, _ result: Result<[RedisSocketAddress], KVError>) {
        let wake = state.withLock { state in
            state.resolution = (attempt, result)
            return Self.claimWakeUp(&state)
        }
        if wake { wakeUp() }
    }

    // MARK: - I/O thread side

    var isShutDown: Bool {
        state.withLock { if case .shutDown = $0.admission { return true } else { return false } }
    }

    /// Takes every queued command, executor job and a delivered resolution, in one lock.
    func takeInbox() -> (queued: [PendingCommand], jobs: [UnownedJob], resolution: (attempt: Int, result: Result<[RedisSocketAddress], KVError>)?) {
        state.withLock { state in
            let queued = state.queue
            if !queued.isEmpty { state.queue = [] }
            let jobs = state.jobs
            if !jobs.isEmpty { state.jobs = [] }
            let resolution = state.resolution
            state.resolution = nil
            return (queued, jobs, resolution)
        }
    }

    /// Changes admission (never out of ``Admission/shutDown``); returns the queued commands a refusing
    /// admission must fail.
    func setAdmission(_ admission: Admission) -> [PendingCommand] {
        state.withLock { state in
            if case .shutDown = state.admission { return [] }
            state.admission = admission
            switch admission {
            case .failingFast, .shutDown:
                let queued = state.queue
                state.queue = []
                return queued
            case .accepting, .holding:
                return []
            }
        }
    }

    /// Called right before `poll`: marks the thread asleep unless there is work it could do now, in which
    /// case it must poll without waiting. `direct` is the socket callers may write to meanwhile and when
    /// the poll ends at the latest (`nil`: callers must not write).
    func prepareToSleep(direct: (socket: Int32, until: ContinuousClock.Instant)?) -> Bool {
        state.withLock { state in
            if !state.queue.isEmpty || !state.jobs.isEmpty || state.resolution != nil { return false }
            state.ioThreadSleeping = true
            if let direct { state.direct.open(socket: direct.socket, until: direct.until) }
            return true
        }
    }

    /// Called right after `poll`: ends the direct writes and moves the commands callers wrote meanwhile
    /// (and the unsent rest of a partial write) into `taken`, which must be empty.
    func markAwake(taking taken: inout DirectWrites.Taken) {
        state.withLock { state in
            state.ioThreadSleeping = false
            state.direct.close(into: &taken)
        }
    }

    /// Called by the I/O thread as it exits: releases ``waitForExit()`` (the pipe is closed in `deinit`).
    func finish() {
        let (waiters, orphanedJobs, wakeGuard) = state.withLock { state in
            let waiters = state.exit.markExited()
            let jobs = state.jobs
            state.jobs = []
            return (waiters, jobs, state.watch.stop())
        }
        if wakeGuard { deadlineGuard.wake() }
        // Tasks that preferred this thread must still finish: hand them to the global executor.
        for job in orphanedJobs { globalConcurrentExecutor.enqueue(ExecutorJob(job)) }
        for waiter in waiters { waiter.resume() }
    }
}
