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
