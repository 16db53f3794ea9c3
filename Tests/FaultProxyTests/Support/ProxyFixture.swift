import FaultProxy
import Logging
import RedisServerSupport

/// A registry with one proxy in front of a fresh echo server, torn down after `body` even when it throws.
func withEchoProxy<Result>(
    name: String = "echo", seed: UInt64? = 42,
    _ body: (ProxyRegistry, ProxyState) async throws -> Result
) async throws -> Result {
    let echo = try await EchoServer.start()
    let registry = ProxyRegistry(seed: seed, logger: Logger(label: "fault-proxy-test"))
    do {
        let state = try await registry.createProxy(ProxyConfiguration(name: name, upstream: echo.address))
        let result = try await body(registry, state)
        await registry.shutdown()
        await echo.stop()
        return result
    } catch {
        await registry.shutdown()
        await echo.stop()
        throw error
    }
}

/// Bytes 0, 1, 2 … of length `count`, to spot loss or reordering.
func patternBytes(_ count: Int, offset: Int = 0) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 + offset) }
}

/// A registry with one proxy in front of a fresh redis-server, both torn down after `body` even when it throws.
func withRedisProxy(
    name: String, seed: UInt64,
    _ body: (ProxyRegistry, ProxyState, RedisServer) async throws -> Void
) async throws {
    let redis = try await RedisServer.start()
    let registry = ProxyRegistry(seed: seed, logger: Logger(label: "fault-proxy-test"))
    defer { redis.cleanUp() }
    do {
        let proxy = try await registry.createProxy(ProxyConfiguration(name: name, upstream: "127.0.0.1:\(redis.port)"))
        try await body(registry, proxy, redis)
    } catch {
        await registry.shutdown()
        await redis.stop()
        throw error
    }
    await registry.shutdown()
    await redis.stop()
}

/// RESP for one command.
func resp(_ arguments: String...) -> String {
    "*\(arguments.count)\r\n" + arguments.map { "$\($0.utf8.count)\r\n\($0)\r\n" }.joined()
}
