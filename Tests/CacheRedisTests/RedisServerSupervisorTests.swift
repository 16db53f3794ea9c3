import Foundation
import RedisServerSupport
import Testing

/// The redis-server supervisor the tests, benchmarks and scenarios stand on.
@Suite("RedisServer supervisor")
struct RedisServerSupervisorTests {
    @Test("stop() is a graceful SIGTERM: the server saves and exits, and data survives a restart")
    func gracefulStop() async throws {
        let server = try await RedisServer.start(options: .init(persistence: true))
        defer { server.cleanUp() }
        _ = try await server.command(["SET", "survives", "yes"])
        let started = ContinuousClock.now
        await server.stop()
        // The supervisor escalates to SIGKILL after 10 s; a server that got SIGTERM is gone long before.
        #expect(ContinuousClock.now - started < .seconds(8))
        #expect(!server.isRunning)
        #expect(server.logTail(lines: 40).contains("Received SIGTERM"))
        try await server.restart()
        #expect(try await server.command(["GET", "survives"]).contains("yes"))
    }

    @Test("kill() is a crash, and the directory is removed by cleanUp()")
    func killAndCleanUp() async throws {
        let server = try await RedisServer.start()
        let directory = server.directory
        await server.kill()
        #expect(!server.isRunning)
        try await server.restart()
        #expect(try await server.command(["PING"]).hasPrefix("+PONG"))
        server.cleanUp()
        #expect(!FileManager.default.fileExists(atPath: directory.path))
    }
}

@Suite("RedisServer orphan reaping")
struct RedisServerOrphanTests {
    @Test("a redis-server whose owning run died is killed, and its directory removed, by the next start")
    func reapsOrphans() async throws {
        // A run that "died": its owner pid is a process that has exited.
        let finished = Process()
        finished.executableURL = URL(fileURLWithPath: "/bin/true")
        try finished.run()
        while finished.isRunning { try await Task.sleep(for: .milliseconds(10)) }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("persistentcache-redis-orphan-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // Owned by this (live) process until the orphan is up, so that no concurrent start reaps it half-made.
        let ownerFile = directory.appendingPathComponent("owner.pid")
        try String(getpid()).write(to: ownerFile, atomically: true, encoding: .utf8)

        let orphan = Process()
        orphan.executableURL = URL(fileURLWithPath: try #require(RedisServer.findExecutable("redis-server")))
        orphan.arguments = ["--port", String(try freeLoopbackPort()), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                            "--dir", directory.path, "--pidfile", directory.appendingPathComponent("redis.pid").path]
        orphan.standardOutput = FileHandle.nullDevice
        orphan.standardError = FileHandle.nullDevice
        try orphan.run()
        defer { if orphan.isRunning { orphan.interrupt(); kill(orphan.processIdentifier, SIGKILL) } }
        let pidFile = directory.appendingPathComponent("redis.pid").path
        for _ in 0..<1000 where !FileManager.default.fileExists(atPath: pidFile) {
            try await Task.sleep(for: .milliseconds(10))
        }
        try #require(FileManager.default.fileExists(atPath: pidFile), "the orphan never wrote its pid file")
        // Now its owner "dies": any start from here on, ours or another suite's, must reap it.
        try String(finished.processIdentifier).write(to: ownerFile, atomically: true, encoding: .utf8)

        let server = try await RedisServer.start()
        defer { server.cleanUp() }
        for _ in 0..<1000 where orphan.isRunning { try await Task.sleep(for: .milliseconds(10)) }
        #expect(!orphan.isRunning)
        #expect(!FileManager.default.fileExists(atPath: directory.path))
        // A live run's server is never touched.
        #expect(server.isRunning)
    }
}
