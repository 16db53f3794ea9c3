import CacheCore
@testable import CacheRedis
import Testing

/// The transitions of commands callers wrote to the socket themselves (``RedisConnection/DirectWrites``).
extension RedisConnectionStateMachineTests {
    @Test("commands callers wrote join the FIFO without a write, in wire order with the shell's own")
    func callerWrittenCommandsJoinTheFIFO() {
        var machine = readyMachine()
        let sent = machine.submit([submission(1, deadline: 900)], now: at(2))
        #expect(written(sent) == 1)
        let taken = machine.submitWritten([submission(2, deadline: 900), submission(3, deadline: 900)], now: at(3))
        #expect(taken.isEmpty, "already on the wire: no write, no failure")
        #expect(machine.inFlightCount == 3)
        let first = machine.replyReceived(.bulkString([1]), now: at(4))
        let second = machine.replyReceived(.bulkString([2]), now: at(4))
        let third = machine.replyReceived(.null, now: at(4))
        #expect(successes(first)[1] == .bulkString([1]))
        #expect(successes(second)[2] == .bulkString([2]))
        #expect(successes(third)[3] == .null)
        #expect(machine.inFlightCount == 0)
    }

    @Test("a caller-written command's deadline is the machine's: the tick fails it and closes the connection")
    func callerWrittenCommandTimesOut() {
        var machine = readyMachine()
        _ = machine.submitWritten([submission(1, deadline: 300)], now: at(2))
        #expect(machine.nextWakeUp == at(300), "the shell must wake for it")
        #expect(machine.tick(now: at(299)).isEmpty)
        let expired = machine.tick(now: at(300))
        #expect(failures(expired) == [1: .timeout])
        #expect(closes(expired) == 1)
        // Its reply, should it come now, answers nobody: the transport it came on is gone.
        #expect(machine.replyReceived(.bulkString([9]), now: at(301)).isEmpty)
    }

    @Test("a caller-written command already past its deadline is in flight all the same, and fails on the next tick")
    func callerWrittenPastDeadline() {
        var machine = readyMachine()
        #expect(machine.submitWritten([submission(1, deadline: 5)], now: at(10)).isEmpty)
        #expect(machine.inFlightCount == 1)
        let expired = machine.tick(now: at(10))
        #expect(failures(expired) == [1: .timeout])
        #expect(closes(expired) == 1, "its reply may still come: the connection cannot be reused")
    }

    @Test("commands written while the machine is not ready fail; a handshaking transport is closed")
    func callerWrittenWhenNotReady() {
        var idle = machine()
        #expect(failures(idle.submitWritten([submission(1, deadline: 900)], now: at(0))) == [1: .connectionReset])

        let auth = RedisCommand(["AUTH", "secret"], expecting: .ok)
        var handshaking = machine(handshake: [(auth, .authenticate)])
        _ = handshaking.tick(now: at(0))
        _ = handshaking.transportOpened(attempt: 1, now: at(1))
        let actions = handshaking.submitWritten([submission(2, deadline: 900)], now: at(2))
        #expect(failures(actions)[2] == .connectionReset)
        #expect(closes(actions) == 1, "its reply would be read as AUTH's")
        #expect(!handshaking.isReady)
    }

    @Test("a reply to a caller-written command proves the server alive like any other")
    func callerWrittenReplyResetsBackoff() {
        var machine = readyMachine()
        _ = machine.submitWritten([submission(1, deadline: 900)], now: at(2))
        _ = machine.replyReceived(.bulkString([1]), now: at(3))
        // The server proved alive: losing the connection reconnects at once.
        let lost = machine.connectionLost(KVError(.connectionReset, "reset"), now: at(4))
        #expect(closes(lost) == 1)
        #expect(opens(machine.tick(now: at(4))) == [2])
    }
}
