import Foundation
import RedisServerSupport
import Testing

@testable import ScenarioKit

/// The foreign writer against a real redis-server, the administrative session under server faults, and the
/// counters and measures computed from them.
@Suite("Foreign writes, server faults and run counters")
struct ForeignWriteAndCounterTests {
    static let entryA = #"{"createdAt":1,"key":"a","source":"kb","v":1,"value":"answer to a"}"#
    static let entryB = #"{"createdAt":1,"key":"b","source":"llm","v":1,"value":"answer to b"}"#

    /// A fresh redis-server holding two cache entries with a TTL, and a session to it.
    func withStoredEntries(_ body: (RedisServer, RedisAdminSession) async throws -> Void) async throws {
        let server = try await RedisServer.start()
        defer { server.cleanUp() }
        let session = RedisAdminSession(port: server.port)
        defer { session.close() }
        _ = try await session.command(["SET", "ns:a", Self.entryA, "EX", "3600"], password: nil)
        _ = try await session.command(["SET", "ns:b", Self.entryB, "EX", "3600"], password: nil)
        try await body(server, session)
        await server.stop()
    }

    /// The value of an integer reply (`:42\r\n`).
    static func integer(_ reply: String) -> Int? {
        Int(reply.dropFirst().trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func stored(_ key: String, _ session: RedisAdminSession) async throws -> [String: Any]? {
        ForeignWriter.envelope(fromBulkReply: try await session.command(["GET", key], password: nil))
    }

    @Test("no-key drops the key field and swaps in another entry's answer, keeping the TTL")
    func noKey() async throws {
        try await withStoredEntries { _, session in
            let writer = ForeignWriter(session: session, password: nil, seed: 1)
            #expect(try await writer.perform(ForeignWrite(content: .noKey), occurrence: 1) == 2)
            let a = try #require(try await stored("ns:a", session))
            #expect(a["key"] == nil)
            #expect(a["value"] as? String == "answer to b")
            let ttl = try await session.command(["TTL", "ns:a"], password: nil)
            #expect((Self.integer(ttl) ?? -1) > 3000)
        }
    }

    @Test("wrong-key stores another question's entry; future-version bumps v; huge pads; raw and garbage are bytes")
    func otherContents() async throws {
        try await withStoredEntries { _, session in
            let writer = ForeignWriter(session: session, password: nil, seed: 1)
            _ = try await writer.perform(ForeignWrite(content: .wrongKey), occurrence: 1)
            #expect(try await stored("ns:a", session)?["key"] as? String == "b")
            #expect(try await stored("ns:b", session)?["key"] as? String == "a")

            _ = try await writer.perform(ForeignWrite(content: .futureVersion, keys: 1), occurrence: 2)
            let versions = [try await stored("ns:a", session)?["v"] as? Int, try await stored("ns:b", session)?["v"] as? Int]
            #expect(versions.filter { $0 == 99 }.count == 1)

            _ = try await writer.perform(ForeignWrite(content: .huge(bytes: 100_000)), occurrence: 3)
            let length = try await session.command(["STRLEN", "ns:a"], password: nil)
            #expect((Self.integer(length) ?? 0) >= 99_000)

            _ = try await writer.perform(ForeignWrite(content: .raw("not json")), occurrence: 4)
            #expect(try await session.command(["GET", "ns:b"], password: nil) == "$8\r\nnot json\r\n")

            _ = try await writer.perform(ForeignWrite(content: .garbage), occurrence: 5)
            #expect(try await stored("ns:a", session) == nil)
        }
    }

    @Test("the kept session can raise maxclients again after a new connection is refused")
    func sessionSurvivesMaxClients() async throws {
        let server = try await RedisServer.start()
        defer { server.cleanUp() }
        let session = RedisAdminSession(port: server.port)
        defer { session.close() }
        #expect(try await session.command(["CONFIG", "SET", "maxclients", "1"], password: nil).hasPrefix("+OK"))
        let refused = try await server.command(["PING"])
        #expect(refused.hasPrefix("-ERR max number of clients reached"))
        #expect(try await session.command(["CONFIG", "SET", "maxclients", "100"], password: nil).hasPrefix("+OK"))
        #expect(try await server.command(["PING"]).hasPrefix("+PONG"))
        await server.stop()
    }

    @Test("a password set at run time refuses new connections without it; the session changes it back")
    func passwordChangedAtRunTime() async throws {
        let server = try await RedisServer.start()
        defer { server.cleanUp() }
        let session = RedisAdminSession(port: server.port)
        defer { session.close() }
        #expect(try await session.command(["CONFIG", "SET", "requirepass", "rotated"], password: nil).hasPrefix("+OK"))
        #expect(try await server.command(["GET", "x"]).hasPrefix("-NOAUTH"))
        #expect(try await server.command(["GET", "x"], password: "rotated") == "$-1\r\n")
        #expect(try await session.command(["CONFIG", "SET", "requirepass", ""], password: "rotated").hasPrefix("+OK"))
        #expect(try await server.command(["GET", "x"]) == "$-1\r\n")
        await server.stop()
    }

    @Test("CPU time: parsed from a /proc stat line whose command name has spaces, and read for this process")
    func cpuTime() throws {
        let line = "1234 (redis server) S 1 1234 1234 0 -1 4194560 500 0 0 0 250 50 0 0 20 0 4 0 100 0 0"
        #expect(RunCounters.cpuSeconds(fromStatLine: line, ticksPerSecond: 100) == 3.0)
        #expect(RunCounters.cpuSeconds(fromStatLine: "garbage", ticksPerSecond: 100) == nil)
        #expect(try #require(RunCounters.cpuSeconds(ofProcess: getpid())) >= 0)
        #expect(RunCounters.processCPUSeconds() > 0)
    }

    @Test("a phase's counters are the difference of the readings at its ends; a restarted server counts from zero")
    func counterDifferences() {
        var start = RunCounters()
        start.protocolErrors = 2
        start.acceptedConnections = 10
        start.runnerCPUSeconds = 1
        start.redisCPU = (100, 0.5)
        var end = start
        end.protocolErrors = 5
        end.malformedEntries = 7
        end.backgroundWritesLost = 1
        end.acceptedConnections = 30
        end.runnerCPUSeconds = 1.5
        end.redisCPU = (100, 0.75)
        var metrics = MetricSet()
        end.difference(since: start, milliseconds: 2000, into: &metrics)
        #expect(metrics.protocolErrors == 3 && metrics.malformedEntries == 7 && metrics.backgroundWritesLost == 1)
        #expect(metrics.proxyConnectionsAccepted == 20 && metrics.connectsPerSecond == 10)
        #expect(metrics.runnerCPUSeconds == 0.5 && metrics.redisCPUSeconds == 0.25)
        end.redisCPU = (200, 0.1)
        end.difference(since: start, milliseconds: 2000, into: &metrics)
        #expect(metrics.redisCPUSeconds == 0.1)
    }

    @Test("answers of a configured size: exact, deterministic, and a cut answer fails the oracle")
    func answerSizes() {
        let origin = OriginSimulator(specification: OriginSpecification(answerBytes: .fixed(50_000)), seed: 3)
        let answer = origin.expectedAnswer(for: "q")
        #expect(answer.utf8.count == 50_000)
        #expect(answer == origin.expectedAnswer(for: "q"))
        #expect(answer != origin.expectedAnswer(for: "r"))
        let oracle = AnswerOracle(origin: origin)
        let truth = origin.truth(for: "q")
        #expect(oracle.check(question: "q", answer: truth) == .correct)
        var cut = truth
        cut.value = Array(truth.value.prefix(40_000))
        #expect(oracle.check(question: "q", answer: cut) != .correct)
        let natural = OriginSimulator(specification: OriginSpecification(), seed: 3)
        #expect(natural.expectedAnswer(for: "q").utf8.count < 100)
    }
}
