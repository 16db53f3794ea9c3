import CacheCore
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// The thin shell around ``RedisConnectionStateMachine``, confined to the connection's I/O thread — its
/// own, or a ``RedisSharedConnectionLoop``'s (it is not `Sendable`, and is created on that thread): it owns
/// the socket, the TLS session, the RESP parser and `poll`, turns what happens on them into the machine's
/// events and executes its actions.
///
/// One iteration: run executor jobs; take queued commands, a finished name resolution and the deadline
/// guard's poison flag; let the machine act on the clock; write what is buffered; `poll` the socket and the
/// wake-up pipe until the machine's next deadline; read, parse and hand replies to the machine.
final class RedisConnectionLoop {
    typealias Machine = RedisConnectionStateMachine<RedisReplySlot>

    /// Where the current attempt's transport is (the machine only knows "connecting" for all of these).
    private enum Transport {
        case none
        /// Waiting for the resolver's answer for this attempt.
        case resolving(attempt: Int)
        /// A non-blocking TCP (or unix) connect is under way; `remaining` are the addresses to try next.
        case connecting(attempt: Int, RedisTransport, family: Int32, remaining: ArraySlice<RedisSocketAddress>)
        /// The TLS handshake is under way and waits for the socket to be readable or writable.
        case tlsHandshake(attempt: Int, RedisTransport, waiting: RedisTransport.Progress)
        /// Open: the machine handshakes and sends on it.
        case open(RedisTransport)

        var socket: RedisTransport? {
            switch self {
            case .none, .resolving: return nil
            case .connecting(_, let transport, _, _), .tlsHandshake(_, let transport, _), .open(let transport): return transport
            }
        }
    }

    /// The connection this loop drives.
    let connection: RedisConnection
    private let clock = ContinuousClock()
    private var machine: Machine
    private var transport: Transport = .none
    /// Increases whenever the transport is closed, so a loop over replies notices it must stop.
    private var generation = 0
    private let reader = RedisReplyReader()
    private var output: [UInt8] = []
    private var outputOffset = 0
    private var input = [UInt8](repeating: 0, count: 64 * 1024)
    private var tlsContext: RedisTLSContext?
    private var warnedNoVerification = false
    /// Until when the thread polls without sleeping: a short while after commands went out or replies came
    /// in, since the next reply or command usually follows within microseconds and a sleep in `poll`
    /// followed by a wake-up through the pipe would cost more than the round trip.
    private var spinUntil: ContinuousClock.Instant
    private let spin: Duration
    /// Negative after a spin that caught nothing: that many sleeps follow before the thread spins again,
    /// so a loaded machine does not lose a core to a thread waiting for work that needs that core.
    private var spinCredit = 0
    /// See ``performBuffered(_:)``.
    private var spareActions: [Machine.Action] = []
    /// Executor jobs taken but not run yet (they arrived while this iteration ran others).
    private var deferredJobs: [UnownedJob] = []
    /// Whether a spin window is open (it closes when work arrives in it, or when the thread goes to sleep).
    private var spinWindowOpen = false
    /// The commands callers wrote themselves while the thread slept (reused between wake-ups).
    private var takenDirect = RedisConnection.DirectWrites.Taken()
    /// The last time a command went out or a reply came in: while traffic is recent, the thread's `poll`
    /// is bounded by ``directWriteHorizon`` so callers may write directly (see ``RedisConnection/DirectWrites``).
    private var lastActivity: ContinuousClock.Instant
    /// The longest sleep while callers may write directly: a caller whose deadline is sooner wakes the
    /// thread instead, so the thread always wakes in time for the deadlines of what callers wrote.
    static let directWriteHorizon: Duration = .milliseconds(100)
    /// How long after the last traffic the thread keeps bounding its sleeps that way; an idle connection
    /// then sleeps until an event, and its next caller wakes it through the pipe.
    static let directWriteIdleAfter: Duration = .seconds(5)
    private var logger: Logger { connection.logger }

    init(connection: RedisConnection) {
        self.connection = connection
        self.spin = connection.configuration.spin
        self.spinUntil = ContinuousClock.now
        self.lastActivity = ContinuousClock.now
        let endpoint = connection.endpoint
        var handshake: [(command: RedisCommand, step: Machine.HandshakeStep)] = []
        if let password = endpoint.password {
            let arguments = endpoint.username.map { ["AUTH", $0, password] } ?? ["AUTH", password]
            handshake.append((RedisCommand(arguments, expecting: .ok), .authenticate))
        }
        if endpoint.database != 0 {
            handshake.append((RedisCommand(["SELECT", String(endpoint.database)], expecting: .ok), .selectDatabase(endpoint.database)))
        }
        let configuration = connection.configuration
        self.machine = Machine(
            settings: .init(
                connectTimeout: configuration.connectTimeout,
                backoffInitial: configuration.reconnectBackoffInitial,
                backoffMaximum: configuration.reconnectBackoffMaximum,
                handshake: handshake),
            now: ContinuousClock.now)
    }

    func run() {
        // A write to a peer that has gone raises SIGPIPE; blocked on this thread only (never process-wide),
        // the write fails with EPIPE instead, and OpenSSL's writes are covered too.
        Self.blockSIGPIPE()
        while !connection.isShutDown {
            iterate()
        }
        close()
    }

    /// Blocks `SIGPIPE` on the calling thread (see ``run()``); a shared I/O thread calls it once too.
    static func blockSIGPIPE() {
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
    }

    /// The connection was shut down: fails what is in flight and queued, closes the transport and releases
    /// ``RedisConnection/waitForExit()``. The loop is not used afterwards.
    func close() {
        perform(machine.shutdown())
        for pending in connection.setAdmission(.shutDown) {
            pending.slot.resume(.failure(KVError(.shutDown, "the Redis store was shut down")))
        }
        for pending in connection.takeInbox().queued {
            pending.slot.resume(.failure(KVError(.shutDown, "the Redis store was shut down")))
        }
        logger.debug("redis I/O thread stopped")
        connection.finish()
    }

    // MARK: - One iteration

    /// What ``prepare()`` leaves for the `poll`.
    struct PollPlan {
        /// The socket's descriptor and the events awaited (nil without a socket).
        var socket: pollfd?
        /// Whether the parser or the TLS session holds input already read: the socket is handled without
        /// waiting for it.
        var bufferedInput: Bool
        /// Whether the thread may sleep in `poll` as far as this connection goes (no spinning, no jobs left).
        var mayBlock: Bool
    }

    /// One iteration on the connection's own thread: ``prepare()``, `poll` over the wake-up pipe and the
    /// socket, ``wokeUp()``, ``handle(socketEvents:bufferedInput:)``. A ``RedisSharedConnectionLoop`` runs
    /// the same steps for several connections around one `poll`.
    private func iterate() {
        let plan = prepare()
        var descriptors = [pollfd(fd: connection.wakeReadDescriptor, events: Int16(POLLIN), revents: 0)]
        if let socket = plan.socket { descriptors.append(socket) }
        var timeoutMilliseconds: Int32 = 0
        var slept = false
        if plan.mayBlock, let timeout = sleepIfIdle() {
            slept = true
            timeoutMilliseconds = timeout
        }
        let ready = descriptors.withUnsafeMutableBufferPointer { buffer in
            poll(buffer.baseAddress, nfds_t(buffer.count), timeoutMilliseconds)
        }
        if slept { wokeUp() }
        if ready > 0, descriptors[0].revents & Int16(POLLIN) != 0 {
            Self.drainWakeUps(descriptors[0].fd)
        }
        handle(socketEvents: descriptors.count > 1 ? descriptors[1].revents : 0, bufferedInput: plan.bufferedInput)
    }

    /// Empties a wake-up pipe.
    static func drainWakeUps(_ descriptor: Int32) {
        var drain = [UInt8](repeating: 0, count: 64)
        while Glibc.read(descriptor, &drain, drain.count) == drain.count {}
    }

    /// Everything before `poll`: runs executor jobs, takes queued commands, a finished name resolution and
    /// the deadline guard's poison flag, lets the machine act on the clock, writes what is buffered, and
    /// says what to poll for.
    func prepare() -> PollPlan {
        // Tasks that prefer this thread (see RedisConnection+TaskExecutor) run here, between I/O steps,
        // so a caller's command and the resumption after its reply need no thread hop.
        var inbox = connection.takeInbox()
        let jobs = deferredJobs + inbox.jobs
        deferredJobs = []
        if !jobs.isEmpty {
            for job in jobs { job.runSynchronously(on: connection.asUnownedTaskExecutor()) }
            // The jobs usually just queued a command: take it now, so it goes out in this iteration.
            let more = connection.takeInbox()
            inbox.queued += more.queued
            inbox.resolution = more.resolution ?? inbox.resolution
            deferredJobs = more.jobs
        }
        if connection.deadlineGuard.takePoisoned() {
            perform(machine.poisoned(now: clock.now))
        }
        if let resolution = inbox.resolution {
            resolved(attempt: resolution.attempt, resolution.result)
        }
        if !inbox.queued.isEmpty {
            let now = clock.now
            lastActivity = now
            startSpinning(now: now)
            let submissions = inbox.queued.lazy.map { Machine.Submission(command: $0.command, deadline: $0.slot.deadline, token: $0.slot) }
            performBuffered { machine.submit(submissions, now: now, into: &$0) }
        }
        perform(machine.tick(now: clock.now))
        if case .open = transport, outputOffset < output.count { flush() }

        var socketDescriptor: pollfd?
        if let socket = transport.socket {
            var events: Int16 = 0
            switch transport {
            case .connecting: events = Int16(POLLOUT)
            case .tlsHandshake(_, _, let waiting): events = waiting == .wantWrite ? Int16(POLLOUT) : Int16(POLLIN)
            case .open(let open):
                events = Int16(POLLIN)
                if outputOffset < output.count || open.readWantsWrite { events |= Int16(POLLOUT) }
            case .none, .resolving: break
            }
            socketDescriptor = pollfd(fd: socket.descriptor, events: events, revents: 0)
        }
        let bufferedInput = transport.socket?.hasBufferedInput ?? false
        let spinning = clock.now < spinUntil
        if spinning { sched_yield() }
        return PollPlan(socket: socketDescriptor, bufferedInput: bufferedInput, mayBlock: !bufferedInput && !spinning && deferredJobs.isEmpty)
    }

    /// Marks the connection's thread asleep for the coming `poll` (callers then wake it through the pipe,
    /// or write their command themselves), unless work arrived meanwhile. Returns the longest the `poll`
    /// may sleep in milliseconds (-1: until an event), or nil when it must not sleep. After a non-nil
    /// return, ``wokeUp()`` must follow the `poll`.
    func sleepIfIdle() -> Int32? {
        let sleep = plannedSleep(now: clock.now)
        guard connection.prepareToSleep(direct: sleep.direct) else { return nil }
        if spinWindowOpen {
            // The window passed without work: on this machine, now, spinning does not pay.
            spinWindowOpen = false
            spinCredit = -RedisConnection.spinPenalty
        } else if spinCredit < 0 {
            spinCredit += 1
        }
        return sleep.timeoutMilliseconds
    }

    /// After a `poll` that ``sleepIfIdle()`` allowed: ends the direct writes and takes what callers wrote.
    func wokeUp() {
        connection.markAwake(taking: &takenDirect)
        if !takenDirect.commands.isEmpty { tookDirectWrites() }
    }

    /// After the `poll`: reads, writes or continues connecting as the socket's `events` (or input already
    /// buffered) allow, then lets the machine act on the clock.
    func handle(socketEvents: Int16, bufferedInput: Bool) {
        if socketEvents != 0 || bufferedInput {
            socketReady(events: socketEvents)
        }
        perform(machine.tick(now: clock.now))
    }

    /// How long the next `poll` may sleep, and whether callers may write to the socket meanwhile (then
    /// the sleep ends by the instant they are told, at most ``directWriteHorizon`` away).
    private func plannedSleep(now: ContinuousClock.Instant) -> (timeoutMilliseconds: Int32, direct: (socket: Int32, until: ContinuousClock.Instant)?) {
        var wakeUp = machine.nextWakeUp
        var direct: (socket: Int32, until: ContinuousClock.Instant)?
        // Only with nothing in flight: a lone caller's case. Concurrent callers share round trips anyway,
        // and one of them holding the lock through a `send` made the others queue on it (at 64 callers a
        // third of the samples were in `Mutex._lockSlow`).
        if connection.directWritesEnabled, machine.isReady, machine.inFlightCount == 0, outputOffset == output.count,
           case .open(let socket) = transport, !socket.isTLS, now - lastActivity < Self.directWriteIdleAfter {
            let horizon = now + Self.directWriteHorizon
            if wakeUp.map({ $0 > horizon }) ?? true { wakeUp = horizon }
            direct = (socket.descriptor, wakeUp ?? horizon)
        }
        guard let wakeUp else { return (-1, nil) }
        // Rounded up, so the loop never wakes just before a deadline and sleeps again.
        let remaining = max(.zero, wakeUp - now)
        let parts = remaining.components
        let milliseconds = parts.seconds * 1000 + (parts.attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return (Int32(clamping: milliseconds), direct)
    }

    /// Hands the commands callers wrote while the thread slept to the machine, before any reply is read,
    /// and queues the unsent rest of a partial write ahead of anything else.
    private func tookDirectWrites() {
        let now = clock.now
        lastActivity = now
        let submissions = takenDirect.commands.lazy.map { Machine.Submission(command: $0.command, deadline: $0.slot.deadline, token: $0.slot) }
        perform(machine.submitWritten(submissions, now: now))
        if !takenDirect.remainder.isEmpty, case .open = transport {
            output.insert(contentsOf: takenDirect.remainder, at: outputOffset)
        }
        takenDirect.commands.removeAll(keepingCapacity: true)
        takenDirect.remainder.removeAll(keepingCapacity: true)
    }

    /// Opens (or extends) a spin window after activity, unless spinning has not been paying off lately.
    private func startSpinning(now: ContinuousClock.Instant) {
        guard spin > .zero, spinCredit >= 0 else { return }
        spinUntil = now + spin
        spinWindowOpen = true
    }

    // MARK: - Actions

    /// Performs the actions a hot event of the machine (a reply, a batch of commands) appends to `event`'s
    /// buffer: ``spareActions``, taken out while in use (should ``perform(_:)`` lead to another such event,
    /// that one gets a fresh array), then emptied, releasing what its actions held, and kept with its capacity.
    private func performBuffered(_ event: (inout [Machine.Action]) -> Void) {
        var actions: [Machine.Action] = []
        swap(&actions, &spareActions)
        event(&actions)
        perform(actions)
        actions.removeAll(keepingCapacity: true)
        swap(&actions, &spareActions)
    }

    private func perform(_ actions: [Machine.Action]) {
        for action in actions {
            switch action {
            case .openTransport(let attempt):
                openTransport(attempt: attempt)
            case .closeTransport:
                closeTransport()
            case .write(let commands):
                for command in commands { command.encode(into: &output) }
                if case .open = transport { flush() }
            case .succeed(let slot, let reply):
                slot.resume(.success(reply))
            case .fail(let slot, let error):
                slot.resume(.failure(error))
            case .admit(let admission):
                let shared: RedisConnection.Admission
                let refusal: KVError?
                switch admission {
                case .accepting:
                    shared = .accepting
                    refusal = nil
                case .failingFast(let error):
                    shared = .failingFast(error)
                    refusal = error
                }
                for pending in connection.setAdmission(shared) {
                    pending.slot.resume(.failure(refusal ?? KVError(.unavailable, "refused")))
                }
            case .log(let level, let message, let error):
                var metadata: Logger.Metadata = [:]
                if let error {
                    metadata["redis.error.class"] = "\(error.code.name)"
                    metadata["redis.error"] = "\(error.message)"
                }
                logger.log(level: level, "\(message)", metadata: metadata)
            }
        }
    }

    // MARK: - Opening the transport

    private func openTransport(attempt: Int) {
        closeTransport()
        switch connection.endpoint.address {
        case .unixSocket(let path):
            guard let address = RedisSocketAddress(unixPath: path) else {
                perform(machine.transportFailed(attempt: attempt, error: KVError(.connectionRefused, "unix socket path too long: \(path)"), now: clock.now))
                return
            }
            connect(attempt: attempt, to: [address][...])
        case .tcp(let host, let port):
            if let literal = RedisSocketAddress(numericHost: host, port: port) {
                connect(attempt: attempt, to: [literal][...])
                return
            }
            // Resolved on the resolver's thread, never here; the answer comes back through the inbox.
            transport = .resolving(attempt: attempt)
            let connection = self.connection
            connection.resolver.resolve(host: host, port: port) { result in
                connection.deliverResolution(attempt: attempt, result)
            }
        }
    }

    private func resolved(attempt: Int, _ result: Result<[RedisSocketAddress], KVError>) {
        guard case .resolving(let current) = transport, current == attempt else { return }
        switch result {
        case .success(let addresses) where !addresses.isEmpty:
            connect(attempt: attempt, to: addresses[...])
        case .success:
            transport = .none
            perform(machine.transportFailed(attempt: attempt, error: KVError(.connectionRefused, "the host name has no address"), now: clock.now))
        case .failure(let error):
            transport = .none
            perform(machine.transportFailed(attempt: attempt, error: error, now: clock.now))
        }
    }

    /// Tries the addresses in order until one connect starts.
    private func connect(attempt: Int, to addresses: ArraySlice<RedisSocketAddress>) {
        var remaining = addresses
        var lastError = KVError(.connectionRefused, "no address to connect to")
        while let address = remaining.popFirst() {
            switch RedisTransport.connect(to: address) {
            case .success((let socket, .done)):
                transport = .connecting(attempt: attempt, socket, family: address.family, remaining: remaining)
                tcpConnected(attempt: attempt, socket)
                return
            case .success((let socket, _)):
                transport = .connecting(attempt: attempt, socket, family: address.family, remaining: remaining)
                return
            case .failure(let error):
                lastError = error
            }
        }
        transport = .none
        perform(machine.transportFailed(attempt: attempt, error: lastError, now: clock.now))
    }

    private func tcpConnected(attempt: Int, _ socket: RedisTransport) {
        guard let settings = connection.endpoint.tls, case .tcp(let host, _) = connection.endpoint.address else {
            transport = .open(socket)
            perform(machine.transportOpened(attempt: attempt, now: clock.now))
            return
        }
        do {
            if tlsContext == nil {
                tlsContext = try RedisTLSContext(settings: settings)
                if !settings.verifyPeer && !warnedNoVerification {
                    warnedNoVerification = true
                    logger.warning("rediss:// with ssl_cert_reqs=none: the server's certificate is NOT verified; anyone on the path can impersonate it")
                }
            }
            try socket.startTLS(context: tlsContext!, host: host)
        } catch {
            transport = .none
            socket.close()
            perform(machine.transportFailed(attempt: attempt, error: error, now: clock.now))
            return
        }
        transport = .tlsHandshake(attempt: attempt, socket, waiting: .wantWrite)
        continueTLS(attempt: attempt, socket)
    }

    private func continueTLS(attempt: Int, _ socket: RedisTransport) {
        switch socket.continueHandshake() {
        case .success(.done):
            transport = .open(socket)
            perform(machine.transportOpened(attempt: attempt, now: clock.now))
        case .success(let waiting):
            transport = .tlsHandshake(attempt: attempt, socket, waiting: waiting)
        case .failure(let error):
            perform(machine.transportFailed(attempt: attempt, error: error, now: clock.now))
        }
    }

    private func closeTransport() {
        transport.socket?.close()
        transport = .none
        generation &+= 1
        reader.reset()
        output.removeAll(keepingCapacity: output.capacity <= 1 << 20)
        outputOffset = 0
    }

    // MARK: - Socket events

    private func socketReady(events: Int16) {
        switch transport {
        case .none, .resolving:
            return
        case .connecting(let attempt, let socket, let family, let remaining):
            if let error = socket.finishConnect(family: family) {
                socket.close()
                if remaining.isEmpty {
                    transport = .none
                    perform(machine.transportFailed(attempt: attempt, error: error, now: clock.now))
                } else {
                    connect(attempt: attempt, to: remaining)
                }
                return
            }
            tcpConnected(attempt: attempt, socket)
        case .tlsHandshake(let attempt, let socket, _):
            continueTLS(attempt: attempt, socket)
        case .open(let socket):
            if events & Int16(POLLOUT) != 0, outputOffset < output.count { flush() }
            guard case .open = transport else { return }
            if events & Int16(POLLIN | POLLHUP | POLLERR) != 0 || socket.hasBufferedInput || socket.readWantsWrite {
                readReplies(socket)
            }
        }
    }

    private func flush() {
        guard case .open(let socket) = transport else { return }
        while outputOffset < output.count {
            let result = output.withUnsafeBytes { raw in
                socket.write(UnsafeRawBufferPointer(rebasing: raw[outputOffset...]))
            }
            switch result {
            case .success(0):
                return
            case .success(let written):
                outputOffset += written
            case .failure(let error):
                perform(machine.connectionLost(error, now: clock.now))
                return
            }
        }
        output.removeAll(keepingCapacity: output.capacity <= 1 << 20)
        outputOffset = 0
    }

    private func readReplies(_ socket: RedisTransport) {
        let current = generation
        var lost: KVError?
        reading: while true {
            let result = input.withUnsafeMutableBytes { socket.read(into: $0) }
            switch result {
            case .bytes(let count):
                if let error = input.withUnsafeBytes({ reader.feed(UnsafeRawBufferPointer(rebasing: $0[..<count])) }) {
                    perform(machine.connectionLost(error, now: clock.now))
                    return
                }
                // A short plain read emptied the socket; TLS may still hold a decrypted record.
                if count < input.count && !socket.hasBufferedInput { break reading }
            case .wouldBlock:
                break reading
            case .closed(let error):
                lost = error
                break reading
            }
        }
        let now = clock.now
        lastActivity = now
        startSpinning(now: now)
        while generation == current {
            switch reader.next() {
            case .success(let reply?):
                performBuffered { machine.replyReceived(reply, now: now, into: &$0) }
            case .success(nil):
                if let lost, generation == current { perform(machine.connectionLost(lost, now: now)) }
                return
            case .failure(let error):
                perform(machine.connectionLost(error, now: now))
                return
            }
        }
    }
}
