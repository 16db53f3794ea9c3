import CacheCore
import CacheRedis
import Foundation
import Logging
import RedisServerSupport
import Testing

/// Shared helpers for the RedisStore suites: every test gets its own redis-server and store, both torn down
/// afterwards even when the test fails.
enum RedisStoreTestSupport {
    /// An integer field of the server's `INFO section` (read over a separate raw connection), or -1.
    static func infoField(_ field: String, section: String, of server: RedisServer) async throws -> Int {
        let info = try await server.command(["INFO", section])
        let line = info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("\(field):") }
        return Int(line?.split(separator: ":").last ?? "") ?? -1
    }

    static let logger: Logger = {
        var logger = Logger(label: "redis-store-tests")
        logger.logLevel = .warning
        return logger
    }()

    /// For tests whose faults are expected: the cache's error logs would only be noise.
    static let quietLogger: Logger = {
        var logger = Logger(label: "redis-store-tests")
        logger.logLevel = .critical
        return logger
    }()

    /// A deadline `duration` from now.
    static func deadline(_ duration: Duration = .seconds(5)) -> ContinuousClock.Instant {
        .now + duration
    }

    /// Starts a server and a store on its TCP port (or `endpoint(server)` when given), runs `body`, and
    /// cleans up.
    static func withStore<T>(
        options: RedisServer.Options = .init(),
        configuration: RedisStore.Configuration = .init(),
        endpoint makeEndpoint: (RedisServer) -> RedisEndpoint = { .init(address: .tcp(host: "127.0.0.1", port: $0.port)) },
        _ body: (RedisServer, RedisStore) async throws -> T
    ) async throws -> T {
        let server = try await RedisServer.start(options: options)
        defer { server.cleanUp() }
        let store = RedisStore(endpoint: makeEndpoint(server), configuration: configuration, logger: logger)
        do {
            let result = try await body(server, store)
            server.setFrozen(false)
            await store.shutdown()
            return result
        } catch {
            server.setFrozen(false)
            await store.shutdown()
            throw error
        }
    }

    /// Retries `ping` until it succeeds or `limit` passes; returns whether it succeeded.
    static func waitUntilAnswering(_ store: RedisStore, within limit: Duration = .seconds(10)) async -> Bool {
        let end = ContinuousClock.now + limit
        while ContinuousClock.now < end {
            if (try? await store.ping(deadline: deadline(.milliseconds(500)))) != nil { return true }
            try? await Task.sleep(for: .milliseconds(25))
        }
        return false
    }

    /// Runs `operation`, expecting a `KVError`; returns it (or records an issue and returns nil).
    static func expectKVError(
        _ operation: () async throws(KVError) -> Void,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async -> KVError? {
        do {
            try await operation()
            Issue.record("expected a KVError, the call succeeded", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    /// 200 concurrent callers each set then get their own key and must read back exactly their own value.
    static func concurrentOwnValues(_ store: RedisStore, prefix: String, count: Int = 200) async throws -> Int {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<count {
                group.addTask {
                    let key = "\(prefix):\(index)"
                    let value = Array("value-\(index)-\(String(repeating: "x", count: index % 37))".utf8)
                    try await store.set(key, value: value, ttl: nil, deadline: deadline())
                    let read = try await store.get(key, deadline: deadline())
                    return read == value
                }
            }
            var matches = 0
            for try await matched in group where matched { matches += 1 }
            return matches
        }
    }
}
