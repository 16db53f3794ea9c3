import CacheCore
import Foundation
import RedisServerSupport
import Synchronization
import Testing

@testable import CacheRedis

/// `RedisSharedConnectionLoop`: several connections (to several real redis-servers) on one I/O thread keep
/// every guarantee each has on a thread of its own, per socket: replies paired with their commands, a
/// stalled server's commands failing at their deadline while the others answer, reconnection after a
/// server dies, direct writes, and shutdown.
@Suite("RedisSharedConnectionLoop")
struct RedisSharedConnectionLoopTests {
    /// `count` servers and a connection to each, all on one shared loop; everything is shut down after `body`.
    private static func withSharedConnections(
        _ count: Int, configuration: RedisStore.Configuration = .init(),
        _ body: ([RedisServer], [RedisConnection], RedisSharedConnectionLoop) async throws -> Void
    ) async throws {
        var servers: [RedisServer] = []
        defer { for server in servers { server.cleanUp() } }
        for _ in 0..<count { servers.append(try await RedisServer.start()) }
        let loop = RedisSharedConnectionLoop(name: "redis-shared-test", logger: RedisStoreTestSupport.quietLogger)
        let connections = servers.enumerated().map { index, server in
            // The first by name: its resolution (on a resolver thread) comes back through the shared pipe.
            RedisConnection(
                index: index, endpoint: RedisEndpoint(address: .tcp(host: index == 0 ? "localhost" : "127.0.0.1", port: server.port)),
                configuration: configuration, resolver: SystemHostResolver(), logger: RedisStoreTestSupport.quietLogger,
                sharedLoop: loop)
        }
        for connection in connections { connection.start() }
        do {
            try await body(servers, connections, loop)
        } catch {
            for server in servers { server.setFrozen(false) }
            await loop.shutdown()
            throw error
        }
        for server in servers { server.setFrozen(false) }
        for connection in connections { connection.requestShutdown() }
        for connection in connections { await connection.waitForExit() }
        await loop.shutdown()
    }

    private static func get(_ key: String) -> RedisCommand { RedisCommand(["GET", key], expecting: .bulkStringOrNull) }
    private static func set(_ key: String, _ value: String) -> RedisCommand { RedisCommand(["SET", key, value], expecting: .ok) }

    @Test("connections to 3 servers run on one thread, and 600 concurrent reads each get their own server's value")
    func repliesStayPaired() async throws {
        try await Self.withSharedConnections(3) { _, connections, _ in
            for (index, connection) in connections.enumerated() {
                for key in 0..<20 {
                    _ = try await connection.send(Self.set("shared:\(key)", "node\(index)-\(key)"), deadline: RedisStoreTestSupport.deadline()).get()
                }
            }
            let threads = Set(connections.map { $0.ioThreadIdentifier.load(ordering: .acquiring) })
            #expect(threads.count == 1)
            #expect(threads.first != 0)
            let wrong = try await withThrowingTaskGroup(of: Int.self) { group in
                for request in 0..<600 {
                    group.addTask {
                        let node = request % 3
                        let key = (request / 3) % 20
                        let reply = try await connections[node].send(Self.get("shared:\(key)"), deadline: RedisStoreTestSupport.deadline()).get()
                        return reply == .bulkString(Array("node\(node)-\(key)".utf8)) ? 0 : 1
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(wrong == 0)
        }
    }

    @Test("a frozen server's commands fail at their deadline while the other connections on the thread answer; it answers again once thawed")
    func stalledServerTimesOutAlone() async throws {
        try await Self.withSharedConnections(2) { servers, connections, _ in
            _ = try await connections[0].send(Self.set("stall:k", "a"), deadline: RedisStoreTestSupport.deadline()).get()
            _ = try await connections[1].send(Self.set("stall:k", "b"), deadline: RedisStoreTestSupport.deadline()).get()
            servers[0].setFrozen(true)
            let started = ContinuousClock.now
            let deadline = started + .seconds(3)
            async let stalled = connections[0].send(Self.get("stall:k"), deadline: deadline)
            // Meanwhile the other server keeps answering on the same thread. Sent together, so the check does
            // not hang on how soon the test's own task gets a pool thread back ten times over (the full
            // suite's parallel load delayed that by ~150 ms a time), only once.
            let replies = try await withThrowingTaskGroup(of: RedisReply.self) { group in
                for _ in 0..<10 {
                    group.addTask { try await connections[1].send(Self.get("stall:k"), deadline: RedisStoreTestSupport.deadline()).get() }
                }
                return try await group.reduce(into: [RedisReply]()) { $0.append($1) }
            }
            #expect(replies == Array(repeating: .bulkString(Array("b".utf8)), count: 10))
            let othersDone = ContinuousClock.now
            let result = await stalled
            let failedAt = ContinuousClock.now
            guard case .failure(let error) = result else {
                Issue.record("a frozen server answered: \(result)")
                return
            }
            #expect(error.code == .timeout)
            #expect(othersDone < deadline, "the other connection's reads waited for the frozen one")
            // Deadline + guard grace and tick + scheduling on a shared machine.
            #expect(failedAt >= deadline && failedAt - deadline < .seconds(1))

            // The timed-out connection was closed (its late reply must never answer another command) and
            // reconnects once the server answers again.
            servers[0].setFrozen(false)
            let reply = await Self.firstSuccess(on: connections[0], Self.get("stall:k"))
            #expect(reply == .bulkString(Array("a".utf8)))
        }
    }

    @Test("a killed server's connection fails fast and reconnects after its restart, while the other keeps answering")
    func killedServerReconnects() async throws {
        try await Self.withSharedConnections(2) { servers, connections, _ in
            _ = try await connections[0].send(Self.set("kill:k", "a"), deadline: RedisStoreTestSupport.deadline()).get()
            await servers[0].kill()
            let failed = await connections[0].send(Self.get("kill:k"), deadline: RedisStoreTestSupport.deadline(.seconds(2)))
            guard case .failure(let error) = failed else {
                Issue.record("a killed server answered: \(failed)")
                return
            }
            #expect([.connectionRefused, .connectionReset].contains(error.code))
            _ = try await connections[1].send(Self.set("kill:other", "b"), deadline: RedisStoreTestSupport.deadline()).get()
            #expect(try await connections[1].send(Self.get("kill:other"), deadline: RedisStoreTestSupport.deadline()).get() == .bulkString(Array("b".utf8)))
            try await servers[0].restart()
            // No persistence: the restarted server is empty, and answers the read with a miss.
            #expect(await Self.firstSuccess(on: connections[0], Self.get("kill:k")) == .null)
        }
    }

    @Test("an idle shared thread sleeps in poll: a few wake-ups in 600 ms, not a busy loop")
    func idleThreadSleeps() async throws {
        try await Self.withSharedConnections(3) { _, connections, loop in
            for connection in connections {
                #expect(try await connection.send(Self.get("idle:k"), deadline: RedisStoreTestSupport.deadline()).get() == .null)
            }
            try await Task.sleep(for: .milliseconds(100))
            let before = loop.pollCount.load(ordering: .relaxed)
            try await Task.sleep(for: .milliseconds(600))
            let polls = loop.pollCount.load(ordering: .relaxed) - before
            // After recent traffic each sleep is bounded by the direct-write horizon (100 ms): about 6 polls.
            #expect(polls <= 30, "\(polls) polls in 600 ms of idleness")
        }
    }

    @Test("a lone caller writes its command itself while the shared thread sleeps")
    func directWrites() async throws {
        try await Self.withSharedConnections(2) { _, connections, _ in
            _ = try await connections[0].send(Self.set("direct:k", "v"), deadline: RedisStoreTestSupport.deadline()).get()
            for _ in 0..<200 {
                #expect(try await connections[0].send(Self.get("direct:k"), deadline: RedisStoreTestSupport.deadline()).get() == .bulkString(Array("v".utf8)))
            }
            #expect(connections[0].directWriteCount > 0)
        }
    }

    @Test("one connection shut down leaves the others; the loop's shutdown fails the rest, and a later connection is refused")
    func shutdown() async throws {
        try await Self.withSharedConnections(2) { servers, connections, loop in
            connections[0].requestShutdown()
            await connections[0].waitForExit()
            let refused = await connections[0].send(Self.get("x"), deadline: RedisStoreTestSupport.deadline())
            #expect(Self.code(of: refused) == .shutDown)
            #expect(try await connections[1].send(Self.get("x"), deadline: RedisStoreTestSupport.deadline()).get() == .null)

            // A command held in flight by a frozen server is failed by the loop's shutdown, long before its deadline.
            servers[1].setFrozen(true)
            let started = ContinuousClock.now
            async let inFlight = connections[1].send(Self.get("x"), deadline: RedisStoreTestSupport.deadline(.seconds(10)))
            try await Task.sleep(for: .milliseconds(50))
            await loop.shutdown()
            #expect(Self.code(of: await inFlight) == .shutDown)
            #expect(ContinuousClock.now - started < .seconds(5))
            await connections[1].waitForExit()

            let late = RedisConnection(
                index: 9, endpoint: RedisEndpoint(address: .tcp(host: "127.0.0.1", port: servers[1].port)),
                configuration: .init(), resolver: SystemHostResolver(), logger: RedisStoreTestSupport.quietLogger, sharedLoop: loop)
            late.start()
            await late.waitForExit()
            #expect(Self.code(of: await late.send(Self.get("x"), deadline: RedisStoreTestSupport.deadline())) == .shutDown)
        }
    }

    private static func code(of result: Result<RedisReply, KVError>) -> KVError.Code? {
        if case .failure(let error) = result { return error.code }
        return nil
    }

    /// Retries `command` (the connection fails fast between reconnect attempts) until it succeeds, for up to 10 s.
    private static func firstSuccess(on connection: RedisConnection, _ command: RedisCommand) async -> RedisReply? {
        let end = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < end {
            if case .success(let reply) = await connection.send(command, deadline: .now + .seconds(1)) { return reply }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }
}
