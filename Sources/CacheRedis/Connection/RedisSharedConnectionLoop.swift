import CacheCore
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One I/O thread serving several ``RedisConnection``s: each keeps its own ``RedisConnectionLoop`` (state
/// machine, socket, TLS session, parser, deadline guard, direct writes), and the thread runs their steps
/// around a single `poll` over every socket and one wake-up pipe.
///
/// Why: a ``RedisClusterStore`` talks to several nodes, and with a thread per connection each node's thread
/// woke for a third of the replies. On the 2-core bench machine three threads (plus the three servers)
/// slept and woke three times as often as one node's thread, with batches a third the size:
/// `cluster.get.c64` cost 0.42 context switches and 0.13 `poll`s per request against 0.11 and 0.05 on one
/// node. Here one wake-up reads every node's replies and the next iteration writes every node's commands.
///
/// Connections join with ``register(_:)`` (from ``RedisConnection/start()`` of a connection created with
/// this loop) and leave when they are shut down (their loop is closed on this thread as a thread of their
/// own would close it); ``shutdown()`` ends the thread once every connection has left. Every per-connection
/// guarantee is the connection's own loop's: deadlines, FIFO, reconnect and backoff, TLS, direct writes.
final class RedisSharedConnectionLoop: Sendable {
    private struct State {
        /// Connections registered but not taken by the thread yet.
        var joining: [RedisConnection] = []
        var started = false
        var stopping = false
        var exit = ThreadExit()
    }

    /// The wake-up pipe's read end, polled by the thread; closed in `deinit` (connections hold the loop).
    let wakeReadDescriptor: Int32
    /// The wake-up pipe's write end, written by every connection's callers (-1 if no pipe).
    let wakeWriteDescriptor: Int32
    private let name: String
    private let logger: Logger
    private let state = Mutex(State())
    /// `poll` calls so far: lets a test tell a sleeping thread from a spinning one.
    let pollCount = Atomic<Int>(0)

    /// A loop whose thread starts with the first registered connection; `name` names the thread.
    init(name: String, logger: Logger) {
        self.name = name
        self.logger = logger
        let ends = RedisConnection.makeWakePipe()
        if ends == nil {
            // Its connections then refuse every command (failing fast), as a connection without a pipe does.
            logger.error("redis shared I/O loop: could not create a wake-up pipe", metadata: ["errno": "\(errno)"])
        }
        wakeReadDescriptor = ends?.read ?? -1
        wakeWriteDescriptor = ends?.write ?? -1
    }

    deinit {
        if wakeWriteDescriptor >= 0 {
            Glibc.close(wakeWriteDescriptor)
            Glibc.close(wakeReadDescriptor)
        }
    }

    /// Hands `connection` to the thread (started on first use). After ``shutdown()`` the connection is
    /// shut down at once, as a connection whose thread has exited.
    func register(_ connection: RedisConnection) {
        let (accepted, startThread) = state.withLock { state -> (Bool, Bool) in
            guard !state.stopping else { return (false, false) }
            state.joining.append(connection)
            defer { state.started = true }
            return (true, !state.started)
        }
        guard accepted else {
            connection.requestShutdown()
            connection.finish()
            return
        }
        if startThread {
            let thread = Thread { [self] in run() }
            thread.name = name
            thread.start()
        } else {
            wake()
        }
    }

    /// Asks the thread to close every connection still registered and exit.
    func requestShutdown() {
        let neverStarted = state.withLock { state -> Bool in
            state.stopping = true
            if state.started { return false }
            _ = state.exit.markExited()
            return true
        }
        if neverStarted { return }
        wake()
    }

    /// Asks the thread to exit (see ``requestShutdown()``) and waits until it has.
    func shutdown() async {
        requestShutdown()
        await ThreadExit.wait { waiter in state.withLock { $0.exit.add(waiter) } }
    }

    private func wake() {
        guard wakeWriteDescriptor >= 0 else { return }
        var byte: UInt8 = 1
        _ = Glibc.write(wakeWriteDescriptor, &byte, 1)
    }

    // MARK: - The thread

    private func run() {
        RedisConnectionLoop.blockSIGPIPE()
        let identifier = UInt(pthread_self())
        var loops: [RedisConnectionLoop] = []
        var descriptors: [pollfd] = []
        var socketIndices: [Int] = []
        var plans: [RedisConnectionLoop.PollPlan] = []
        var slept: [Bool] = []
        while true {
            let (joining, stopping) = state.withLock { state in
                let joining = state.joining
                state.joining = []
                return (joining, state.stopping)
            }
            for connection in joining {
                connection.ioThreadIdentifier.store(identifier, ordering: .releasing)
                loops.append(RedisConnectionLoop(connection: connection))
            }
            // A connection shut down (or the whole loop) leaves: its loop fails what it holds and closes.
            loops.removeAll { loop in
                guard stopping || loop.connection.isShutDown else { return false }
                if stopping { loop.connection.requestShutdown() }
                loop.close()
                return true
            }
            if stopping { break }

            plans.removeAll(keepingCapacity: true)
            descriptors.removeAll(keepingCapacity: true)
            socketIndices.removeAll(keepingCapacity: true)
            descriptors.append(pollfd(fd: wakeReadDescriptor, events: Int16(POLLIN), revents: 0))
            var mayBlock = true
            for loop in loops {
                let plan = loop.prepare()
                if let socket = plan.socket {
                    socketIndices.append(descriptors.count)
                    descriptors.append(socket)
                } else {
                    socketIndices.append(-1)
                }
                mayBlock = mayBlock && plan.mayBlock
                plans.append(plan)
            }
            // Sleep only if every connection may: each is marked asleep (its callers then wake this thread
            // through the shared pipe or write directly), and the poll ends at the earliest of their times.
            slept.removeAll(keepingCapacity: true)
            var timeoutMilliseconds: Int32 = mayBlock ? -1 : 0
            for loop in loops {
                guard mayBlock, let timeout = loop.sleepIfIdle() else {
                    slept.append(false)
                    if mayBlock { timeoutMilliseconds = 0 }
                    continue
                }
                slept.append(true)
                if timeout >= 0 { timeoutMilliseconds = timeoutMilliseconds < 0 ? timeout : min(timeoutMilliseconds, timeout) }
            }
            pollCount.wrappingAdd(1, ordering: .relaxed)
            let ready = descriptors.withUnsafeMutableBufferPointer { buffer in
                poll(buffer.baseAddress, nfds_t(buffer.count), timeoutMilliseconds)
            }
            for (index, loop) in loops.enumerated() where slept[index] { loop.wokeUp() }
            if ready > 0, descriptors[0].revents & Int16(POLLIN) != 0 {
                RedisConnectionLoop.drainWakeUps(wakeReadDescriptor)
            }
            for (index, loop) in loops.enumerated() {
                let socketIndex = socketIndices[index]
                loop.handle(socketEvents: socketIndex >= 0 ? descriptors[socketIndex].revents : 0, bufferedInput: plans[index].bufferedInput)
            }
        }
        logger.debug("redis shared I/O thread stopped")
        // No connection joins after `stopping` was seen: register refuses them under the same lock.
        let waiters = state.withLock { $0.exit.markExited() }
        for waiter in waiters { waiter.resume() }
    }
}
