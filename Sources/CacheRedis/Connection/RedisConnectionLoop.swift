import CHiredis
import CacheCore
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// The event loop of one connection, confined to its dedicated I/O thread (it is not `Sendable`, and is
/// created on that thread): the hiredis context lives here and nowhere else.
///
/// One iteration: connect when due, append every queued command, write what hiredis buffered, `poll` on
/// the socket and the wake-up pipe until the earliest deadline, read and match replies in FIFO order,
/// and fail expired commands. A command whose reply is late closes the connection, so its late reply can
/// never be taken for another command's answer.
final class RedisConnectionLoop {
    private enum Phase {
        /// No context; the next connection attempt is due at `nextAttempt`.
        case idle(nextAttempt: ContinuousClock.Instant)
        /// A non-blocking connect is under way.
        case connecting(UnsafeMutablePointer<redisContext>, deadline: ContinuousClock.Instant)
        /// Connected; `AUTH` / `SELECT` are in flight.
        case handshaking(UnsafeMutablePointer<redisContext>)
        /// Connected and taking commands.
        case ready(UnsafeMutablePointer<redisContext>)

        var context: UnsafeMutablePointer<redisContext>? {
            switch self {
            case .idle: return nil
            case .connecting(let context, _), .handshaking(let context), .ready(let context): return context
            }
        }
    }

    private enum HandshakeStep { case authenticate, selectDatabase }

    private struct InFlight {
        enum Purpose {
            case caller(RedisReplyContinuation)
            case handshake(HandshakeStep)
        }
        let purpose: Purpose
        /// Only the expected shape is kept, not the command: a large SET value is released once written.
        let expectation: RedisCommand.Expectation
        let deadline: ContinuousClock.Instant
    }

    private let connection: RedisConnection
    private let clock = ContinuousClock()
    private var phase: Phase
    /// Sent commands awaiting replies, oldest first from `inFlightHead`.
    private var inFlight: [InFlight] = []
    private var inFlightHead = 0
    private var writePending = false
    private var backoff: Duration
    /// The class of the last connection problem logged, so a server that stays down is logged once.
    private var lastLoggedProblem: KVError.Code?
    private var logger: Logger { connection.logger }
    private var configuration: RedisStore.Configuration { connection.configuration }

    init(connection: RedisConnection) {
        self.connection = connection
        self.phase = .idle(nextAttempt: ContinuousClock.now)
        self.backoff = connection.configuration.reconnectBackoffInitial
    }

    func run() {
        while !connection.isShutDown {
            iterate()
        }
        let shutDown = KVError(.shutDown, "the Redis store was shut down")
        failAllInFlight(with: shutDown)
        if let context = phase.context { redisFree(context) }
        phase = .idle(nextAttempt: clock.now)
        for pending in connection.takeQueued() { pending.continuation.resume(returning: .failure(shutDown)) }
        logger.debug("redis I/O thread stopped")
        connection.finish()
    }

    // MARK: - One iteration

    private func iterate() {
        // Tasks that prefer this thread (see RedisConnection+TaskExecutor) run here, between I/O steps,
        // so a caller's command and the resumption after its reply need no thread hop.
        for job in connection.takeJobs() {
            job.runSynchronously(on: connection.asUnownedTaskExecutor())
        }
        var now = clock.now
        if case .idle(let nextAttempt) = phase, now >= nextAttempt {
            beginConnect(now: now)
        }

        var earliestDeadline: ContinuousClock.Instant?
        switch phase {
        case .ready(let context):
            let batch = connection.takeQueued()
            if !batch.isEmpty {
                for pending in batch {
                    if append(pending.command, to: context) {
                        pushInFlight(InFlight(purpose: .caller(pending.continuation), expectation: pending.command.expectation, deadline: pending.deadline))
                    } else {
                        pending.continuation.resume(returning: .failure(KVError(.protocolError, "hiredis could not buffer the command: \(context.errorText)")))
                    }
                }
                writePending = true
            }
        case .idle(let nextAttempt):
            earliestDeadline = nextAttempt
            fallthrough
        case .connecting, .handshaking:
            // Only while holding for the first connection can commands sit in the queue.
            let (expired, earliest) = connection.expireQueued(now: now)
            for pending in expired {
                pending.continuation.resume(returning: .failure(KVError(.timeout, "no connection to Redis before the deadline")))
            }
            earliestDeadline = min(earliestDeadline, earliest)
        }

        if writePending, let context = phase.context, !isConnecting {
            flush(context)
        }

        if case .connecting(_, let deadline) = phase { earliestDeadline = min(earliestDeadline, deadline) }
        earliestDeadline = min(earliestDeadline, earliestInFlightDeadline())

        var descriptors = [pollfd(fd: connection.wakeReadDescriptor, events: Int16(POLLIN), revents: 0)]
        if let context = phase.context {
            var events = Int16(POLLIN)
            if isConnecting || writePending { events |= Int16(POLLOUT) }
            if isConnecting { events = Int16(POLLOUT) }
            descriptors.append(pollfd(fd: context.pointee.fd, events: events, revents: 0))
        }

        let mayWait = connection.prepareToSleep(canSendQueued: isReady)
        var timeoutMilliseconds: Int32 = 0
        if mayWait {
            if let earliestDeadline {
                // Rounded up, so the loop never wakes just before a deadline and sleeps again.
                let remaining = max(.zero, earliestDeadline - clock.now)
                let parts = remaining.components
                let milliseconds = parts.seconds * 1000 + (parts.attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
                timeoutMilliseconds = Int32(clamping: milliseconds)
            } else {
                timeoutMilliseconds = -1
            }
        }
        let ready = descriptors.withUnsafeMutableBufferPointer { buffer in
            poll(buffer.baseAddress, nfds_t(buffer.count), timeoutMilliseconds)
        }
        connection.markAwake()

        if ready > 0 {
            if descriptors[0].revents & Int16(POLLIN) != 0 {
                var drain = [UInt8](repeating: 0, count: 64)
                while Glibc.read(descriptors[0].fd, &drain, drain.count) == drain.count {}
            }
            if descriptors.count > 1, descriptors[1].revents != 0 {
                let revents = descriptors[1].revents
                if case .connecting(let context, _) = phase {
                    finishConnect(context)
                } else if let context = phase.context, revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                    readReplies(context)
                }
            }
        }
        now = clock.now
        expireDeadlines(now: now)
    }

    private var isConnecting: Bool {
        if case .connecting = phase { return true } else { return false }
    }

    private var isReady: Bool {
        if case .ready = phase { return true } else { return false }
    }

    // MARK: - Connecting

    private func beginConnect(now: ContinuousClock.Instant) {
        let context: UnsafeMutablePointer<redisContext>?
        switch connection.endpoint.address {
        case .tcp(let host, let port):
            context = redisConnectNonBlock(host, Int32(port))
        case .unixSocket(let path):
            context = redisConnectUnixNonBlock(path)
        }
        guard let context else {
            connectionAttemptFailed(KVError(.connectionRefused, "hiredis could not allocate a context"), now: now)
            return
        }
        if context.pointee.err != 0 {
            let error = KVError(.connectionRefused, "connect failed: \(context.errorText)")
            redisFree(context)
            connectionAttemptFailed(error, now: now)
            return
        }
        phase = .connecting(context, deadline: now + configuration.connectTimeout)
    }

    private func finishConnect(_ context: UnsafeMutablePointer<redisContext>) {
        var socketError: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(context.pointee.fd, SOL_SOCKET, SO_ERROR, &socketError, &length) != 0 { socketError = errno }
        guard socketError == 0 else {
            redisFree(context)
            connectionAttemptFailed(KVError(.connectionRefused, "connect failed: \(String(cString: strerror(socketError)))"), now: clock.now)
            return
        }
        // hiredis's non-blocking connect leaves REDIS_BLOCK cleared and O_NONBLOCK set; make both explicit,
        // since a blocking call on this thread would stall every caller of the connection.
        context.pointee.flags &= ~Int32(REDIS_BLOCK)
        context.pointee.flags |= Int32(REDIS_CONNECTED)
        let fileFlags = fcntl(context.pointee.fd, F_GETFL)
        _ = fcntl(context.pointee.fd, F_SETFL, fileFlags | O_NONBLOCK)
        if case .tcp = connection.endpoint.address {
            var one: Int32 = 1
            _ = setsockopt(context.pointee.fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        }

        let endpoint = connection.endpoint
        let deadline = clock.now + configuration.connectTimeout
        var steps: [(RedisCommand, HandshakeStep)] = []
        if let password = endpoint.password {
            let arguments = endpoint.username.map { ["AUTH", $0, password] } ?? ["AUTH", password]
            steps.append((RedisCommand(arguments, expecting: .ok), .authenticate))
        }
        if endpoint.database != 0 {
            steps.append((RedisCommand(["SELECT", String(endpoint.database)], expecting: .ok), .selectDatabase))
        }
        guard !steps.isEmpty else {
            becomeReady(context)
            return
        }
        phase = .handshaking(context)
        for (command, step) in steps {
            guard append(command, to: context) else {
                closeAfterFailedAttempt(KVError(.protocolError, "hiredis could not buffer the handshake"))
                return
            }
            pushInFlight(InFlight(purpose: .handshake(step), expectation: command.expectation, deadline: deadline))
        }
        writePending = true
        flush(context)
    }

    private func becomeReady(_ context: UnsafeMutablePointer<redisContext>) {
        phase = .ready(context)
        backoff = configuration.reconnectBackoffInitial
        lastLoggedProblem = nil
        _ = connection.setAdmission(.accepting)
        logger.info("redis connected")
    }

    /// A connection attempt (connect or handshake) failed: fail fast until the next attempt, after backoff.
    private func connectionAttemptFailed(_ error: KVError, now: ContinuousClock.Instant) {
        phase = .idle(nextAttempt: now + backoff)
        if lastLoggedProblem != error.code {
            lastLoggedProblem = error.code
            logger.warning("redis connection attempt failed; retrying in the background with backoff", metadata: [
                "redis.error.class": "\(error.code.name)", "redis.error": "\(error.message)",
            ])
        }
        backoff = min(backoff * 2, configuration.reconnectBackoffMaximum)
        let refusal: KVError
        switch error.code {
        case .authentication, .serverError: refusal = error
        default: refusal = KVError(.connectionRefused, "not connected to Redis (reconnecting): \(error.message)")
        }
        for pending in connection.setAdmission(.failingFast(refusal)) {
            pending.continuation.resume(returning: .failure(refusal))
        }
    }

    private func closeAfterFailedAttempt(_ error: KVError) {
        if let context = phase.context { redisFree(context) }
        failAllInFlight(with: error)
        connectionAttemptFailed(error, now: clock.now)
    }

    /// Closes an established connection for good: fails what is in flight and reconnects in the background
    /// (at once; backoff applies if that attempt fails).
    private func closeConnection(reason: KVError, inFlightError: KVError) {
        guard let context = phase.context else { return }
        let wasReady = isReady
        redisFree(context)
        failAllInFlight(with: inFlightError)
        writePending = false
        if !wasReady {
            connectionAttemptFailed(reason, now: clock.now)
            return
        }
        phase = .idle(nextAttempt: clock.now)
        lastLoggedProblem = reason.code
        logger.warning("redis disconnected; reconnecting in the background", metadata: [
            "redis.error.class": "\(reason.code.name)", "redis.error": "\(reason.message)",
        ])
        let refusal = KVError(.connectionRefused, "not connected to Redis (reconnecting after \(reason.code.name))")
        for pending in connection.setAdmission(.failingFast(refusal)) {
            pending.continuation.resume(returning: .failure(refusal))
        }
    }

    // MARK: - Writing and reading

    private func append(_ command: RedisCommand, to context: UnsafeMutablePointer<redisContext>) -> Bool {
        command.bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return false }
            return base.withMemoryRebound(to: CChar.self, capacity: buffer.count) { characters in
                var offset = 0
                var arguments: [UnsafePointer<CChar>?] = []
                arguments.reserveCapacity(command.lengths.count)
                for length in command.lengths {
                    arguments.append(characters + offset)
                    offset += length
                }
                return arguments.withUnsafeMutableBufferPointer { argv in
                    command.lengths.withUnsafeBufferPointer { lengths in
                        redisAppendCommandArgv(context, Int32(argv.count), argv.baseAddress, lengths.baseAddress) == REDIS_OK
                    }
                }
            }
        }
    }

    private func flush(_ context: UnsafeMutablePointer<redisContext>) {
        var done: Int32 = 0
        if redisBufferWrite(context, &done) != REDIS_OK {
            let error = KVError(.connectionReset, "write failed: \(context.errorText)")
            closeConnection(reason: error, inFlightError: error)
            return
        }
        writePending = done == 0
    }

    private func readReplies(_ context: UnsafeMutablePointer<redisContext>) {
        if redisBufferRead(context) != REDIS_OK {
            let error = Self.classifyContextError(context)
            closeConnection(reason: error, inFlightError: error)
            return
        }
        while true {
            var replyPointer: UnsafeMutableRawPointer?
            if redisGetReplyFromReader(context, &replyPointer) != REDIS_OK {
                let error = KVError(.protocolError, "unreadable reply: \(context.errorText)")
                closeConnection(reason: error, inFlightError: error)
                return
            }
            guard let replyPointer else { return }
            let reply = RedisReply(copying: replyPointer.assumingMemoryBound(to: redisReply.self))
            freeReplyObject(replyPointer)
            guard let entry = popInFlight() else {
                let error = KVError(.protocolError, "a reply arrived for no command")
                closeConnection(reason: error, inFlightError: error)
                return
            }
            deliver(reply, to: entry, context: context)
            guard phase.context == context else { return }
        }
    }

    private func deliver(_ reply: RedisReply, to entry: InFlight, context: UnsafeMutablePointer<redisContext>) {
        switch entry.purpose {
        case .caller(let continuation):
            if case .error(let message) = reply {
                continuation.resume(returning: .failure(Self.classifyErrorReply(message)))
            } else if let mismatch = entry.expectation.mismatch(reply) {
                let error = KVError(.protocolError, mismatch)
                continuation.resume(returning: .failure(error))
                closeConnection(reason: error, inFlightError: KVError(.connectionReset, "connection closed after a protocol error"))
            } else {
                continuation.resume(returning: .success(reply))
            }
        case .handshake(let step):
            if case .error(let message) = reply {
                let prefix = RedisReply.errorPrefix(of: message)
                let error = switch step {
                case .authenticate: KVError(.authentication, "AUTH refused: \(message)", serverErrorPrefix: prefix)
                case .selectDatabase: KVError(.serverError, "SELECT \(connection.endpoint.database) refused: \(message)", serverErrorPrefix: prefix)
                }
                closeAfterFailedAttempt(error)
            } else if let mismatch = entry.expectation.mismatch(reply) {
                closeAfterFailedAttempt(KVError(.protocolError, "handshake: \(mismatch)"))
            } else if inFlightCount == 0 {
                becomeReady(context)
            }
        }
    }

    /// Fails the first expired command with `.timeout` and closes the connection: its reply may still come,
    /// and must not be read as the answer to whatever was sent after it.
    private func expireDeadlines(now: ContinuousClock.Instant) {
        if case .connecting(_, let deadline) = phase, deadline <= now {
            closeAfterFailedAttempt(KVError(.connectionRefused, "connect timed out after \(configuration.connectTimeout)"))
            return
        }
        guard inFlightCount > 0, let earliest = earliestInFlightDeadline(), earliest <= now else { return }
        if case .handshaking = phase {
            closeAfterFailedAttempt(KVError(.timeout, "AUTH/SELECT not answered within \(configuration.connectTimeout)"))
            return
        }
        var remaining: [InFlight] = []
        for entry in inFlight[inFlightHead...] {
            if entry.deadline <= now, case .caller(let continuation) = entry.purpose {
                continuation.resume(returning: .failure(KVError(.timeout, "no reply before the deadline")))
            } else {
                remaining.append(entry)
            }
        }
        inFlight = remaining
        inFlightHead = 0
        closeConnection(
            reason: KVError(.timeout, "a reply was late; the connection is closed so it cannot be misread"),
            inFlightError: KVError(.connectionReset, "connection closed because another command on it timed out"))
    }

    // MARK: - In-flight bookkeeping

    private var inFlightCount: Int { inFlight.count - inFlightHead }

    private func pushInFlight(_ entry: InFlight) {
        inFlight.append(entry)
    }

    private func popInFlight() -> InFlight? {
        guard inFlightHead < inFlight.count else { return nil }
        let entry = inFlight[inFlightHead]
        inFlightHead += 1
        if inFlightHead == inFlight.count {
            inFlight.removeAll(keepingCapacity: true)
            inFlightHead = 0
        } else if inFlightHead >= 1024 && inFlightHead * 2 >= inFlight.count {
            inFlight.removeFirst(inFlightHead)
            inFlightHead = 0
        }
        return entry
    }

    private func earliestInFlightDeadline() -> ContinuousClock.Instant? {
        var earliest: ContinuousClock.Instant?
        for index in inFlightHead..<inFlight.count {
            earliest = min(earliest, inFlight[index].deadline)
        }
        return earliest
    }

    private func failAllInFlight(with error: KVError) {
        for index in inFlightHead..<inFlight.count {
            if case .caller(let continuation) = inFlight[index].purpose {
                continuation.resume(returning: .failure(error))
            }
        }
        inFlight.removeAll(keepingCapacity: true)
        inFlightHead = 0
    }

    // MARK: - Classification

    private static func classifyContextError(_ context: UnsafeMutablePointer<redisContext>) -> KVError {
        let text = context.errorText
        switch context.pointee.err {
        case REDIS_ERR_EOF, REDIS_ERR_IO:
            return KVError(.connectionReset, "connection lost: \(text)")
        case REDIS_ERR_PROTOCOL:
            return KVError(.protocolError, "protocol error: \(text)")
        default:
            return KVError(.protocolError, "hiredis error \(context.pointee.err): \(text)")
        }
    }

    /// `WRONGPASS`/`NOAUTH`/`NOPERM` are credential problems; every other error reply (`OOM`, `READONLY`,
    /// `LOADING`, `ERR` …) is the server's answer to this command and leaves the stream in sync.
    static func classifyErrorReply(_ message: String) -> KVError {
        let prefix = RedisReply.errorPrefix(of: message)
        switch prefix {
        case "WRONGPASS", "NOAUTH", "NOPERM":
            return KVError(.authentication, message, serverErrorPrefix: prefix)
        default:
            return KVError(.serverError, message, serverErrorPrefix: prefix)
        }
    }
}

private func min(_ first: ContinuousClock.Instant?, _ second: ContinuousClock.Instant?) -> ContinuousClock.Instant? {
    switch (first, second) {
    case (nil, nil): return nil
    case (let value?, nil), (nil, let value?): return value
    case (let a?, let b?): return Swift.min(a, b)
    }
}
