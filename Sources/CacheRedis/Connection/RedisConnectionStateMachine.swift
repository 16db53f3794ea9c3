import CacheCore
import DequeModule
import Logging

/// The states of one Redis connection, apart from any I/O: connect → handshake (AUTH/SELECT) → ready →
/// closed, the FIFO of commands awaiting replies, their deadlines and the reconnection backoff.
///
/// Modelled on valkey-swift's `ValkeyChannelHandler.StateMachine`: every event (a tick of the clock, commands
/// submitted, the transport opened or lost, a reply parsed, shutdown) is a mutating method that takes `now`
/// and returns the ``Action``s a thin shell (``RedisConnectionLoop``) executes: open or close the transport,
/// write commands, resume callers, change admission, log. Nothing here reads a clock, touches a socket or
/// resumes a continuation, so the unit tests drive every transition with plain values and a made-up clock.
///
/// `Token` is how the shell identifies a caller (a ``RedisReplySlot`` in production, an `Int` in tests).
struct RedisConnectionStateMachine<Token> {
    typealias Instant = ContinuousClock.Instant

    /// What the machine needs to know about the endpoint and the timing rules.
    struct Settings {
        /// Bounds one whole attempt: name resolution, TCP connect, TLS handshake, AUTH and SELECT.
        var connectTimeout: Duration
        var backoffInitial: Duration
        var backoffMaximum: Duration
        /// The commands sent before any caller's, in order, with what each is for.
        var handshake: [(command: RedisCommand, step: HandshakeStep)]
    }

    /// A handshake command's purpose, for classifying its error reply.
    enum HandshakeStep: Equatable {
        case authenticate
        case selectDatabase(Int)
    }

    /// A caller's command with its deadline.
    struct Submission {
        var command: RedisCommand
        var deadline: Instant
        var token: Token
    }

    /// Whether callers' commands are taken (mirrored into the shared state callers read).
    enum Admission {
        case accepting
        case failingFast(KVError)
    }

    /// What the shell must do, in order.
    enum Action {
        /// Start attempt number `attempt`: resolve, connect, TLS; report ``transportOpened(attempt:now:)``
        /// or ``transportFailed(attempt:error:now:)``.
        case openTransport(attempt: Int)
        /// Close the transport (socket, TLS session, parser state) of the current attempt.
        case closeTransport
        /// Encode and write these commands, in order.
        case write([RedisCommand])
        /// Resume a caller with its reply.
        case succeed(Token, RedisReply)
        /// Resume a caller with a failure.
        case fail(Token, KVError)
        /// Change what callers are told when they submit.
        case admit(Admission)
        /// Write a log line.
        case log(Logger.Level, String, KVError?)
    }

    /// Where the connection is.
    enum State {
        /// No transport; the next attempt is due at `nextAttempt`.
        case idle(nextAttempt: Instant)
        /// The shell is resolving, connecting and (for TLS) handshaking; the attempt fails at `deadline`.
        case connecting(attempt: Int, deadline: Instant)
        /// Connected; AUTH/SELECT are in flight and must be answered by `deadline`.
        case handshaking(attempt: Int, deadline: Instant)
        /// Taking commands.
        case ready(attempt: Int)
        /// Shut down for good.
        case closed
    }

    private struct InFlight {
        enum Purpose {
            case caller(Token)
            case handshake(HandshakeStep)
        }
        var purpose: Purpose
        /// Only the expected shape is kept, not the command: a large SET value is released once written.
        var expectation: RedisCommand.Expectation
        var deadline: Instant
    }

    private(set) var state: State
    private let settings: Settings
    private var inFlight: Deque<InFlight> = [] {
        didSet { if inFlight.isEmpty { inFlightDeadlineFloor = nil } }
    }
    /// No in-flight deadline is earlier than this (`nil`: nothing in flight). Lowered on every append and
    /// left alone when replies remove entries, so it may be earlier than the true earliest deadline; it is
    /// made exact, by one pass over the FIFO, only once it has passed. Scanning the FIFO on every tick and
    /// every sleep instead cost the I/O thread a pass over up to 64 entries (each copy retaining its token)
    /// three times per loop iteration: a fifth of its time at 64 callers.
    private var inFlightDeadlineFloor: Instant?
    /// Commands submitted before the connection was ready (the first connect holds them, within their deadlines).
    private var waiting: Deque<Submission> = []
    private var attempts = 0
    /// The wait before the next attempt after a failed one.
    private(set) var backoff: Duration
    /// Whether the current transport's server has answered anything (handshake done or a reply read):
    /// only then is the backoff reset, so a peer that accepts and closes cannot make the client spin.
    private var provedAlive = false
    /// The class of the last connection problem logged, so a server that stays down is logged once.
    private var lastLoggedProblem: KVError.Code?

    init(settings: Settings, now: Instant) {
        self.settings = settings
        self.state = .idle(nextAttempt: now)
        self.backoff = settings.backoffInitial
    }

    // MARK: - Queries

    /// Commands sent and not answered yet.
    var inFlightCount: Int { inFlight.count }
    /// Commands held until the connection is ready.
    var waitingCount: Int { waiting.count }

    /// Whether submitted commands are sent at once.
    var isReady: Bool {
        if case .ready = state { return true } else { return false }
    }

    /// When the shell must call ``tick(now:)`` next at the latest (`nil`: only on an event).
    var nextWakeUp: Instant? {
        var earliest: Instant?
        func consider(_ instant: Instant) { earliest = earliest.map { Swift.min($0, instant) } ?? instant }
        switch state {
        case .idle(let nextAttempt): consider(nextAttempt)
        case .connecting(_, let deadline), .handshaking(_, let deadline): consider(deadline)
        case .ready, .closed: break
        }
        if let floor = inFlightDeadlineFloor { consider(floor) }
        for submission in waiting { consider(submission.deadline) }
        return earliest
    }

    // MARK: - Events

    /// Time passed: start a due attempt, fail what is past its deadline.
    mutating func tick(now: Instant) -> [Action] {
        var actions: [Action] = []
        if case .idle(let nextAttempt) = state, now >= nextAttempt {
            attempts += 1
            provedAlive = false
            state = .connecting(attempt: attempts, deadline: now + settings.connectTimeout)
            actions.append(.openTransport(attempt: attempts))
        }
        expireWaiting(now: now, into: &actions)
        switch state {
        case .connecting(_, let deadline) where deadline <= now:
            actions.append(.closeTransport)
            attemptFailed(KVError(.connectionRefused, "connect timed out after \(settings.connectTimeout)"), now: now, into: &actions)
        case .handshaking(_, let deadline) where deadline <= now:
            actions.append(.closeTransport)
            failInFlight(with: KVError(.timeout, "AUTH/SELECT not answered within \(settings.connectTimeout)"), into: &actions)
            attemptFailed(KVError(.timeout, "AUTH/SELECT not answered within \(settings.connectTimeout)"), now: now, into: &actions)
        case .ready:
            expireInFlight(now: now, into: &actions)
        default:
            break
        }
        return actions
    }

    /// Callers handed these commands over. Those already past their deadline fail before they are sent.
    mutating func submit(_ submissions: some Sequence<Submission>, now: Instant) -> [Action] {
        var actions: [Action] = []
        submit(submissions, now: now, into: &actions)
        return actions
    }

    /// ``submit(_:now:)`` appending its actions to `actions`, a buffer the shell reuses (one allocation
    /// less per batch on the I/O thread).
    mutating func submit(_ submissions: some Sequence<Submission>, now: Instant, into actions: inout [Action]) {
        var batch: [RedisCommand] = []
        for submission in submissions {
            if submission.deadline <= now {
                actions.append(.fail(submission.token, KVError(.timeout, "the deadline passed before the command was sent")))
                continue
            }
            switch state {
            case .ready:
                batch.append(submission.command)
                appendInFlight(InFlight(purpose: .caller(submission.token), expectation: submission.command.expectation, deadline: submission.deadline))
            case .closed:
                actions.append(.fail(submission.token, KVError(.shutDown, "the Redis store was shut down")))
            case .idle, .connecting, .handshaking:
                waiting.append(submission)
            }
        }
        if !batch.isEmpty { actions.append(.write(batch)) }
    }

    /// Callers wrote these commands to the open transport themselves, in this order, while the shell slept
    /// with nothing to write (see ``RedisConnection``'s direct writes): they are in flight now and need no
    /// `.write`. The shell reports them before it hands over any reply read after they were written, so the
    /// FIFO stays in step with the wire. One already past its deadline is in flight all the same: its reply
    /// may come, so the next ``tick(now:)`` fails it and closes the connection.
    ///
    /// The shell lets callers write only while the machine is ready; should the machine be anywhere else,
    /// the commands fail, and a transport still handshaking is closed, since their replies would otherwise
    /// be read as the handshake's.
    mutating func submitWritten(_ submissions: some Sequence<Submission>, now: Instant) -> [Action] {
        var actions: [Action] = []
        guard case .ready = state else {
            let error = KVError(.connectionReset, "the connection changed state while the command was being written")
            for submission in submissions { actions.append(.fail(submission.token, error)) }
            if case .handshaking = state {
                let reason = KVError(.protocolError, "a caller wrote to a connection that was still handshaking")
                closeConnection(reason: reason, inFlightError: error, now: now, into: &actions)
            }
            return actions
        }
        for submission in submissions {
            appendInFlight(InFlight(purpose: .caller(submission.token), expectation: submission.command.expectation, deadline: submission.deadline))
        }
        return actions
    }

    /// The shell finished attempt `attempt`'s transport (TCP connected, TLS handshake done).
    mutating func transportOpened(attempt: Int, now: Instant) -> [Action] {
        guard case .connecting(let current, let deadline) = state, current == attempt else { return [.closeTransport] }
        var actions: [Action] = []
        if settings.handshake.isEmpty {
            becomeReady(attempt: attempt, now: now, into: &actions)
            return actions
        }
        state = .handshaking(attempt: attempt, deadline: deadline)
        for (command, step) in settings.handshake {
            appendInFlight(InFlight(purpose: .handshake(step), expectation: command.expectation, deadline: deadline))
        }
        actions.append(.write(settings.handshake.map(\.command)))
        return actions
    }

    /// Attempt `attempt` could not open its transport (resolution, connect or TLS failed).
    mutating func transportFailed(attempt: Int, error: KVError, now: Instant) -> [Action] {
        guard case .connecting(let current, _) = state, current == attempt else { return [] }
        var actions: [Action] = [.closeTransport]
        attemptFailed(error, now: now, into: &actions)
        return actions
    }

    /// The parser produced a reply on the current transport.
    mutating func replyReceived(_ reply: RedisReply, now: Instant) -> [Action] {
        var actions: [Action] = []
        replyReceived(reply, now: now, into: &actions)
        return actions
    }

    /// ``replyReceived(_:now:)`` appending its actions to `actions`, a buffer the shell reuses (an array
    /// allocated per reply was one of the I/O thread's larger costs at 64 callers).
    mutating func replyReceived(_ reply: RedisReply, now: Instant, into actions: inout [Action]) {
        switch state {
        case .handshaking, .ready: break
        case .idle, .connecting, .closed:
            // A transport that was closed cannot deliver; the shell drops its bytes. Nothing to match.
            return
        }
        guard let entry = inFlight.popFirst() else {
            let error = KVError(.protocolError, "a reply arrived for no command")
            closeConnection(reason: error, inFlightError: error, now: now, into: &actions)
            return
        }
        switch entry.purpose {
        case .caller(let token):
            // Any reply to a caller's command proves the server alive; a handshake reply only counts once
            // the whole handshake succeeded (a server refusing AUTH must not reset the backoff).
            markAlive()
            if case .error(let message) = reply {
                actions.append(.fail(token, Self.classifyErrorReply(message)))
            } else if let mismatch = entry.expectation.mismatch(reply) {
                let error = KVError(.protocolError, mismatch)
                actions.append(.fail(token, error))
                closeConnection(reason: error, inFlightError: KVError(.connectionReset, "connection closed after a protocol error"), now: now, into: &actions)
            } else {
                actions.append(.succeed(token, reply))
            }
        case .handshake(let step):
            guard case .handshaking(let attempt, _) = state else { break }
            if case .error(let message) = reply {
                let prefix = RedisReply.errorPrefix(of: message)
                let error = switch step {
                case .authenticate: KVError(.authentication, "AUTH refused: \(message)", serverErrorPrefix: prefix)
                case .selectDatabase(let database): KVError(.serverError, "SELECT \(database) refused: \(message)", serverErrorPrefix: prefix)
                }
                failedHandshake(error, now: now, into: &actions)
            } else if let mismatch = entry.expectation.mismatch(reply) {
                failedHandshake(KVError(.protocolError, "handshake: \(mismatch)"), now: now, into: &actions)
            } else if inFlight.isEmpty {
                becomeReady(attempt: attempt, now: now, into: &actions)
            }
        }
    }

    /// The transport broke: EOF, reset, a write error, a parser error, or a TLS failure after the handshake.
    mutating func connectionLost(_ error: KVError, now: Instant) -> [Action] {
        var actions: [Action] = []
        switch state {
        case .handshaking, .ready:
            closeConnection(reason: error, inFlightError: error, now: now, into: &actions)
        case .connecting(let attempt, _):
            return transportFailed(attempt: attempt, error: error, now: now)
        case .idle, .closed:
            break
        }
        return actions
    }

    /// A caller's deadline guard resumed a caller this connection still holds (the I/O thread was late):
    /// the connection is closed so the late reply cannot answer another command.
    mutating func poisoned(now: Instant) -> [Action] {
        var actions: [Action] = []
        if case .ready = state {
            let error = KVError(.timeout, "a caller's deadline passed while its reply was outstanding; the connection is closed so it cannot be misread")
            closeConnection(reason: error, inFlightError: KVError(.connectionReset, "connection closed because another command on it timed out"), now: now, into: &actions)
        }
        return actions
    }

    /// Shut down for good: everything held fails with ``KVError/Code/shutDown``.
    mutating func shutdown() -> [Action] {
        var actions: [Action] = []
        switch state {
        case .closed: return []
        case .connecting, .handshaking, .ready: actions.append(.closeTransport)
        case .idle: break
        }
        state = .closed
        let error = KVError(.shutDown, "the Redis store was shut down")
        failInFlight(with: error, into: &actions)
        while let submission = waiting.popFirst() { actions.append(.fail(submission.token, error)) }
        return actions
    }

    // MARK: - Transitions

    private mutating func markAlive() {
        guard !provedAlive else { return }
        provedAlive = true
        backoff = settings.backoffInitial
        lastLoggedProblem = nil
    }

    private mutating func becomeReady(attempt: Int, now: Instant, into actions: inout [Action]) {
        state = .ready(attempt: attempt)
        // Done handshaking proves the server alive; with no handshake, the first reply will.
        if !settings.handshake.isEmpty { markAlive() }
        actions.append(.admit(.accepting))
        actions.append(.log(.info, "redis connected", nil))
        var batch: [RedisCommand] = []
        while let submission = waiting.popFirst() {
            if submission.deadline <= now {
                actions.append(.fail(submission.token, KVError(.timeout, "no connection to Redis before the deadline")))
                continue
            }
            batch.append(submission.command)
            appendInFlight(InFlight(purpose: .caller(submission.token), expectation: submission.command.expectation, deadline: submission.deadline))
        }
        if !batch.isEmpty { actions.append(.write(batch)) }
    }

    private mutating func failedHandshake(_ error: KVError, now: Instant, into actions: inout [Action]) {
        actions.append(.closeTransport)
        failInFlight(with: error, into: &actions)
        attemptFailed(error, now: now, into: &actions)
    }

    /// An attempt failed (or a connection closed before the server proved alive): fail fast until the next
    /// attempt, after the backoff, which doubles.
    private mutating func attemptFailed(_ error: KVError, now: Instant, into actions: inout [Action]) {
        state = .idle(nextAttempt: now + backoff)
        if lastLoggedProblem != error.code {
            lastLoggedProblem = error.code
            actions.append(.log(.warning, "redis connection attempt failed; retrying in the background with backoff", error))
        }
        backoff = Swift.min(backoff * 2, settings.backoffMaximum)
        let refusal: KVError
        switch error.code {
        case .authentication, .serverError, .tls: refusal = error
        default: refusal = KVError(.connectionRefused, "not connected to Redis (reconnecting): \(error.message)")
        }
        actions.append(.admit(.failingFast(refusal)))
        while let submission = waiting.popFirst() { actions.append(.fail(submission.token, refusal)) }
    }

    /// Closes an established transport: fails what is in flight; reconnects at once if the server had proved
    /// alive, else after the backoff (a peer that accepts and closes is treated as a failed attempt).
    private mutating func closeConnection(reason: KVError, inFlightError: KVError, now: Instant, into actions: inout [Action]) {
        actions.append(.closeTransport)
        failInFlight(with: inFlightError, into: &actions)
        guard provedAlive else {
            attemptFailed(reason, now: now, into: &actions)
            return
        }
        state = .idle(nextAttempt: now)
        lastLoggedProblem = reason.code
        actions.append(.log(.warning, "redis disconnected; reconnecting in the background", reason))
        let refusal = KVError(.connectionRefused, "not connected to Redis (reconnecting after \(reason.code.name))")
        actions.append(.admit(.failingFast(refusal)))
        while let submission = waiting.popFirst() { actions.append(.fail(submission.token, refusal)) }
    }

    /// Adds a command awaiting its reply, lowering ``inFlightDeadlineFloor`` to its deadline if earlier.
    private mutating func appendInFlight(_ entry: InFlight) {
        inFlight.append(entry)
        inFlightDeadlineFloor = inFlightDeadlineFloor.map { Swift.min($0, entry.deadline) } ?? entry.deadline
    }

    /// Fails every expired in-flight command with `.timeout` and closes the connection: their replies may
    /// still come, and must not be read as the answers to whatever was sent after them.
    private mutating func expireInFlight(now: Instant, into actions: inout [Action]) {
        guard let floor = inFlightDeadlineFloor, floor <= now else { return }
        var earliest: Instant?
        for entry in inFlight { earliest = earliest.map { Swift.min($0, entry.deadline) } ?? entry.deadline }
        inFlightDeadlineFloor = earliest
        guard let earliest, earliest <= now else { return }
        var remaining: Deque<InFlight> = []
        for entry in inFlight {
            if entry.deadline <= now, case .caller(let token) = entry.purpose {
                actions.append(.fail(token, KVError(.timeout, "no reply before the deadline")))
            } else {
                remaining.append(entry)
            }
        }
        inFlight = remaining
        closeConnection(
            reason: KVError(.timeout, "a reply was late; the connection is closed so it cannot be misread"),
            inFlightError: KVError(.connectionReset, "connection closed because another command on it timed out"),
            now: now, into: &actions)
    }

    private mutating func expireWaiting(now: Instant, into actions: inout [Action]) {
        guard waiting.contains(where: { $0.deadline <= now }) else { return }
        var remaining: Deque<Submission> = []
        for submission in waiting {
            if submission.deadline <= now {
                actions.append(.fail(submission.token, KVError(.timeout, "no connection to Redis before the deadline")))
            } else {
                remaining.append(submission)
            }
        }
        waiting = remaining
    }

    private mutating func failInFlight(with error: KVError, into actions: inout [Action]) {
        while let entry = inFlight.popFirst() {
            if case .caller(let token) = entry.purpose { actions.append(.fail(token, error)) }
        }
    }

    // MARK: - Classification

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
