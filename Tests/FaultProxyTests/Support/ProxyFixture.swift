import FaultProxy
import Logging

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
