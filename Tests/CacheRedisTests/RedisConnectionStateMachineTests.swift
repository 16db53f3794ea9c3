import CacheCore
@testable import CacheRedis
import Testing

/// Every transition of the connection state machine, driven with a made-up clock and no socket: these run in
/// milliseconds and show exactly which actions the shell is asked to perform.
@Suite("Redis connection state machine")
struct RedisConnectionStateMachineTests {
    typealias Machine = RedisConnectionStateMachine<Int>

    let start = ContinuousClock.now

    func at(_ milliseconds: Int) -> ContinuousClock.Instant { start + .milliseconds(milliseconds) }

    static let get = RedisCommand(["GET", "k"], expecting: .bulkStringOrNull)

    func machine(handshake: [(command: RedisCommand, step: Machine.HandshakeStep)] = []) -> Machine {
        Machine(settings: .init(connectTimeout: .milliseconds(1000), backoffInitial: .milliseconds(50),
                                backoffMaximum: .milliseconds(400), handshake: handshake), now: start)
    }

    func submission(_ token: Int, deadline: Int) -> Machine.Submission {
        .init(command: Self.get, deadline: at(deadline), token: token)
    }

    /// Starts attempt 1 at t=0 and opens its transport; returns the machine ready (no handshake).
    func readyMachine() -> Machine {
        var machine = machine()
        #expect(opens(machine.tick(now: at(0))) == [1])
        _ = machine.transportOpened(attempt: 1, now: at(1))
        #expect(machine.isReady)
        return machine
    }

    // MARK: - Reading actions

    func opens(_ actions: [Machine.Action]) -> [Int] {
        actions.compactMap { if case .openTransport(let attempt) = $0 { attempt } else { nil } }
    }
    func closes(_ actions: [Machine.Action]) -> Int {
        actions.filter { if case .closeTransport = $0 { true } else { false } }.count
    }
    func written(_ actions: [Machine.Action]) -> Int {
        actions.reduce(0) { count, action in if case .write(let commands) = action { count + commands.count } else { count } }
    }
    func failures(_ actions: [Machine.Action]) -> [Int: KVError.Code] {
        var result: [Int: KVError.Code] = [:]
        for case .fail(let token, let error) in actions { result[token] = error.code }
        return result
    }
    func successes(_ actions: [Machine.Action]) -> [Int: RedisReply] {
        var result: [Int: RedisReply] = [:]
        for case .succeed(let token, let reply) in actions { result[token] = reply }
        return result
    }
    func failingFast(_ actions: [Machine.Action]) -> KVError? {
        for case .admit(.failingFast(let error)) in actions { return error }
        return nil
    }
    func accepting(_ actions: [Machine.Action]) -> Bool {
        actions.contains { if case .admit(.accepting) = $0 { true } else { false } }
    }

    // MARK: - Tests

    @Test("connect → ready → write → reply answers its caller")
    func happyPath() {
        var machine = machine()
        #expect(opens(machine.tick(now: at(0))) == [1])
        let opened = machine.transportOpened(attempt: 1, now: at(2))
        #expect(accepting(opened) && machine.isReady)
        let sent = machine.submit([submission(7, deadline: 500)], now: at(3))
        #expect(written(sent) == 1 && machine.inFlightCount == 1)
        let answered = machine.replyReceived(.bulkString([1, 2]), now: at(4))
        #expect(successes(answered)[7] == .bulkString([1, 2]))
        #expect(machine.inFlightCount == 0)
        #expect(machine.nextWakeUp == nil, "nothing is due when idle and connected")
    }

    @Test("AUTH and SELECT go first; commands submitted meanwhile wait, then go out once the handshake is done")
    func handshakeHoldsCommands() {
        let auth = RedisCommand(["AUTH", "pw"], expecting: .ok)
        let select = RedisCommand(["SELECT", "2"], expecting: .ok)
        var machine = machine(handshake: [(auth, .authenticate), (select, .selectDatabase(2))])
        _ = machine.tick(now: at(0))
        #expect(written(machine.submit([submission(1, deadline: 900)], now: at(1))) == 0)
        #expect(machine.waitingCount == 1)
        let opened = machine.transportOpened(attempt: 1, now: at(2))
        #expect(written(opened) == 2 && !machine.isReady)
        #expect(written(machine.replyReceived(.status("OK"), now: at(3))) == 0)
        let done = machine.replyReceived(.status("OK"), now: at(4))
        #expect(machine.isReady && accepting(done))
        #expect(written(done) == 1 && machine.waitingCount == 0)
        #expect(successes(machine.replyReceived(.null, now: at(5)))[1] == .null)
    }

    @Test("an error reply during the handshake fails the attempt with its class and backs off")
    func handshakeErrorReply() {
        let auth = RedisCommand(["AUTH", "wrong"], expecting: .ok)
        var machine = machine(handshake: [(auth, .authenticate)])
        _ = machine.tick(now: at(0))
        _ = machine.submit([submission(1, deadline: 900)], now: at(1))
        _ = machine.transportOpened(attempt: 1, now: at(2))
        let refused = machine.replyReceived(.error("WRONGPASS invalid username-password pair"), now: at(3))
        #expect(closes(refused) == 1)
        #expect(failures(refused)[1] == .authentication, "the waiting caller gets the real reason")
        #expect(failingFast(refused)?.code == .authentication)
        #expect(opens(machine.tick(now: at(52))) == [], "the next attempt waits for the backoff")
        #expect(opens(machine.tick(now: at(53))) == [2])
        _ = machine.transportOpened(attempt: 2, now: at(54))
        _ = machine.replyReceived(.error("WRONGPASS again"), now: at(55))
        #expect(machine.backoff == .milliseconds(200), "a server refusing AUTH has not proved alive: the backoff keeps growing")
    }

    @Test("a late reply after a timeout is never taken for a later command's answer")
    func lateReplyAfterTimeout() {
        var machine = readyMachine()
        _ = machine.submit([submission(1, deadline: 100)], now: at(2))
        _ = machine.replyReceived(.bulkString([0]), now: at(3)) // answered: proves the server alive
        _ = machine.submit([submission(2, deadline: 100), submission(3, deadline: 900)], now: at(4))
        let expired = machine.tick(now: at(100))
        #expect(failures(expired)[2] == .timeout)
        #expect(failures(expired)[3] == .connectionReset, "the connection is closed, so the others on it fail too")
        #expect(closes(expired) == 1)
        // The late reply of the closed transport: dropped, answers nobody.
        let late = machine.replyReceived(.bulkString(Array("value of 2".utf8)), now: at(101))
        #expect(late.isEmpty)
        // Reconnected at once (the server had proved alive); a new command gets its own reply only.
        #expect(opens(machine.tick(now: at(101))) == [2])
        _ = machine.transportOpened(attempt: 2, now: at(102))
        _ = machine.submit([submission(4, deadline: 900)], now: at(103))
        #expect(successes(machine.replyReceived(.bulkString(Array("value of 4".utf8)), now: at(104)))[4] == .bulkString(Array("value of 4".utf8)))
    }

    @Test("a reply for a command never sent is a protocol error that closes the connection")
    func neverSent() {
        var machine = readyMachine()
        let actions = machine.replyReceived(.status("OK"), now: at(5))
        #expect(closes(actions) == 1)
        #expect(failingFast(actions) != nil)
        #expect(!machine.isReady)
    }

    @Test("a reply of the wrong shape fails its caller, closes the connection and fails the rest")
    func wrongShape() {
        var machine = readyMachine()
        _ = machine.submit([submission(1, deadline: 900), submission(2, deadline: 900)], now: at(2))
        let actions = machine.replyReceived(.integer(1), now: at(3))
        #expect(failures(actions) == [1: .protocolError, 2: .connectionReset])
        #expect(closes(actions) == 1)
    }

    @Test("reconnect backoff doubles up to its maximum and resets once the server answers")
    func backoff() {
        var machine = machine()
        var now = 0
        var gaps: [Int] = []
        var lastOpen = 0
        for attempt in 1...6 {
            while opens(machine.tick(now: at(now))).isEmpty { now += 1 }
            if attempt > 1 { gaps.append(now - lastOpen) }
            lastOpen = now
            _ = machine.transportFailed(attempt: attempt, error: KVError(.connectionRefused, "refused"), now: at(now))
        }
        #expect(gaps == [50, 100, 200, 400, 400])
        while opens(machine.tick(now: at(now))).isEmpty { now += 1 }
        _ = machine.transportOpened(attempt: 7, now: at(now))
        _ = machine.submit([submission(1, deadline: now + 500)], now: at(now))
        _ = machine.replyReceived(.null, now: at(now))
        #expect(machine.backoff == .milliseconds(50))
    }

    @Test("a peer that accepts and closes at once is a failed attempt: no reconnect storm")
    func acceptThenClose() {
        var machine = machine()
        var now = 0
        var attempts = 0
        while now < 2000 {
            let actions = machine.tick(now: at(now))
            for attempt in opens(actions) {
                attempts += 1
                _ = machine.transportOpened(attempt: attempt, now: at(now))
                let lost = machine.connectionLost(KVError(.connectionReset, "closed by peer"), now: at(now))
                #expect(failingFast(lost) != nil)
            }
            now += 1
        }
        // 0, 50, 150, 350, 750, 1150, 1550, 1950: eight attempts in two seconds, not thousands.
        #expect(attempts == 8)
    }

    @Test("an established connection that proved alive and then closed is reconnected at once")
    func aliveThenClosed() {
        var machine = readyMachine()
        _ = machine.submit([submission(1, deadline: 900)], now: at(2))
        _ = machine.replyReceived(.null, now: at(3))
        _ = machine.connectionLost(KVError(.connectionReset, "reset"), now: at(10))
        #expect(opens(machine.tick(now: at(10))) == [2])
    }

    @Test("commands already past their deadline fail before they are sent")
    func expiredBeforeSending() {
        var machine = readyMachine()
        let actions = machine.submit([submission(1, deadline: 5), submission(2, deadline: 900)], now: at(5))
        #expect(failures(actions) == [1: .timeout])
        #expect(written(actions) == 1)
        // While connecting, held commands expire in place and are never written once connected.
        var connecting = self.machine(handshake: [])
        _ = connecting.tick(now: at(0))
        _ = connecting.submit([submission(3, deadline: 20), submission(4, deadline: 40)], now: at(1))
        #expect(failures(connecting.tick(now: at(20))) == [3: .timeout])
        let opened = connecting.transportOpened(attempt: 1, now: at(45))
        #expect(failures(opened) == [4: .timeout])
        #expect(written(opened) == 0)
    }

    @Test("a connect that does not finish by the connect timeout fails the attempt")
    func connectTimeout() {
        var machine = machine()
        _ = machine.tick(now: at(0))
        #expect(machine.nextWakeUp == at(1000))
        let actions = machine.tick(now: at(1000))
        #expect(closes(actions) == 1)
        #expect(failingFast(actions)?.code == .connectionRefused)
        // A transport that opens after its attempt was given up is closed, not used.
        #expect(closes(machine.transportOpened(attempt: 1, now: at(1001))) == 1)
        #expect(!machine.isReady)
    }

    @Test("the deadline guard's poison closes the connection")
    func poisoned() {
        var machine = readyMachine()
        _ = machine.submit([submission(1, deadline: 900)], now: at(2))
        let actions = machine.poisoned(now: at(910))
        #expect(closes(actions) == 1)
        #expect(failures(actions)[1] == .connectionReset)
    }

    @Test("shutdown fails every held and in-flight command, and anything submitted later")
    func shutdownWithQueuedCommands() {
        var machine = readyMachine()
        _ = machine.submit([submission(1, deadline: 900), submission(2, deadline: 900)], now: at(2))
        let actions = machine.shutdown()
        #expect(failures(actions) == [1: .shutDown, 2: .shutDown])
        #expect(closes(actions) == 1)
        #expect(failures(machine.submit([submission(3, deadline: 900)], now: at(3))) == [3: .shutDown])
        var connecting = self.machine()
        _ = connecting.tick(now: at(0))
        _ = connecting.submit([submission(4, deadline: 900)], now: at(1))
        #expect(failures(connecting.shutdown()) == [4: .shutDown])
    }

    @Test("a TLS failure keeps its class for callers (not folded into connection_refused)")
    func tlsFailureClass() {
        var machine = machine()
        _ = machine.tick(now: at(0))
        _ = machine.submit([submission(1, deadline: 900)], now: at(1))
        let actions = machine.transportFailed(attempt: 1, error: KVError(.tls, "certificate verify failed"), now: at(2))
        #expect(failures(actions) == [1: .tls])
        #expect(failingFast(actions)?.code == .tls)
    }
}
