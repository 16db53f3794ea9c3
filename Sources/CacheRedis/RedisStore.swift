import CacheCore
import Logging
import Synchronization

/// A ``KVStore`` over the Redis protocol (RESP2): plain TCP, unix sockets, or TLS for `rediss://` (the
/// system OpenSSL), with hiredis's reader as the RESP parser.
///
/// Each connection is owned by one dedicated I/O thread (never the Swift cooperative pool) that pipelines
/// automatically: every command callers queue while a round trip is under way goes out in the next write,
/// so concurrent callers share round trips instead of queueing behind each other. A command whose deadline
/// passes fails with ``KVError/Code/timeout`` and closes its connection (reconnected in the background);
/// while a connection is down, commands fail at once instead of waiting. Host names are resolved off the
/// I/O thread on every connection attempt.
public final class RedisStore: KVStore {
    /// Where the store connects.
    public let endpoint: RedisEndpoint
    /// How the store connects.
    public let configuration: Configuration
    /// `"redis"`.
    public var backendName: String { "redis" }

    /// The first connection's I/O thread as a task executor. Code that runs under
    /// `withTaskExecutorPreference(store.executor) { … }` calls the store without hopping between threads;
    /// keep such code short and non-blocking, since it shares the thread with the connection's I/O.
    public var executor: any TaskExecutor { connections[0] }

    /// ``executor``, so that ``TieredCache/preferredTaskExecutor`` can offer it to request handlers.
    public var preferredTaskExecutor: (any TaskExecutor)? { executor }

    private let connections: [RedisConnection]
    private let nextConnection = Atomic<Int>(0)
    /// Set once the server has answered `UNLINK` with "unknown command" (Redis < 4): use `DEL` from then on.
    private let unlinkUnsupported = Atomic<Bool>(false)

    /// Creates the store and starts connecting in the background; it never blocks and never throws.
    /// Commands issued before the first connection attempt completes wait for it (within their deadline).
    public convenience init(endpoint: RedisEndpoint, configuration: Configuration = .init(), logger: Logger) {
        self.init(endpoint: endpoint, configuration: configuration, resolver: SystemHostResolver(), logger: logger)
    }

    /// Creates the store with a custom name resolver (tests inject slow or silent ones).
    init(endpoint: RedisEndpoint, configuration: Configuration, resolver: any RedisHostResolver, logger: Logger) {
        self.endpoint = endpoint
        self.configuration = configuration
        self.connections = (0..<configuration.connectionCount).map { index in
            RedisConnection(index: index, endpoint: endpoint, configuration: configuration, resolver: resolver, logger: logger)
        }
        for connection in connections { connection.start() }
    }

    deinit {
        for connection in connections { connection.requestShutdown() }
    }

    // MARK: - KVStore

    /// Reads `key` with `GET`, or with `GETRANGE key 0 maximumBytes` when there is a limit, so that a huge
    /// value is never transferred whole (`GETRANGE` answers an empty string for a missing key: `nil`).
    public func get(
        _ key: String,
        maximumBytes: Int,
        verify: KVReplyCheck?,
        deadline: ContinuousClock.Instant
    ) async throws(KVError) -> [UInt8]? {
        let limited = maximumBytes >= 0 && maximumBytes < Int.max
        let arguments: [[UInt8]] = limited
            ? [Array("GETRANGE".utf8), Array(key.utf8), Array("0".utf8), Array(String(maximumBytes).utf8)]
            : [Array("GET".utf8), Array(key.utf8)]
        let expectation: RedisCommand.Expectation = verify.map { .verifiedBulkStringOrNull(maximumBytes: maximumBytes, verify: $0) } ?? .bulkStringOrNull
        let reply = try await execute(RedisCommand(arguments, expecting: expectation), deadline: deadline)
        guard case .bulkString(let bytes) = reply else { return nil }
        if limited && bytes.isEmpty { return nil }
        if bytes.count > maximumBytes {
            throw KVError(.valueTooLarge, "the value is longer than \(maximumBytes) bytes")
        }
        return bytes
    }

    /// Writes `key` with `SET key value [PX milliseconds]`; a sub-millisecond TTL is rounded up to 1 ms.
    public func set(_ key: String, value: [UInt8], ttl: Duration?, deadline: ContinuousClock.Instant) async throws(KVError) {
        var arguments: [[UInt8]] = [Array("SET".utf8), Array(key.utf8), value]
        if let ttl {
            guard ttl > .zero else { throw KVError(.invalidRequest, "a TTL must be positive (got \(ttl))") }
            let parts = ttl.components
            let (wholeMilliseconds, overflow) = parts.seconds.multipliedReportingOverflow(by: 1000)
            guard !overflow else { throw KVError(.invalidRequest, "TTL \(ttl) is too long") }
            let fraction = parts.attoseconds
            let milliseconds = wholeMilliseconds + fraction / 1_000_000_000_000_000
                + (fraction % 1_000_000_000_000_000 == 0 ? 0 : 1)
            arguments += [Array("PX".utf8), Array(String(milliseconds).utf8)]
        }
        _ = try await execute(RedisCommand(arguments, expecting: .ok), deadline: deadline)
    }

    /// Deletes `keys` with `UNLINK` (or `DEL` on servers that lack it) and returns how many existed.
    public func delete(_ keys: [[UInt8]], deadline: ContinuousClock.Instant) async throws(KVError) -> Int {
        guard !keys.isEmpty else { return 0 }
        let keyArguments = keys
        if !unlinkUnsupported.load(ordering: .relaxed) {
            do {
                let reply = try await execute(RedisCommand([Array("UNLINK".utf8)] + keyArguments, expecting: .integer), deadline: deadline)
                return Self.count(reply)
            } catch where error.code == .serverError && error.message.lowercased().contains("unknown command") {
                unlinkUnsupported.store(true, ordering: .relaxed)
            }
        }
        let reply = try await execute(RedisCommand([Array("DEL".utf8)] + keyArguments, expecting: .integer), deadline: deadline)
        return Self.count(reply)
    }

    /// One `SCAN cursor MATCH pattern COUNT count` step.
    public func scan(cursor: UInt64, match pattern: String, count: Int, deadline: ContinuousClock.Instant) async throws(KVError) -> KVScanPage {
        let command = RedisCommand(
            ["SCAN", String(cursor), "MATCH", pattern, "COUNT", String(max(1, count))], expecting: .scanPage)
        let reply = try await execute(command, deadline: deadline)
        // The I/O thread has already checked the shape (see RedisCommand.mismatch).
        guard case .array(let parts) = reply, parts.count == 2,
              case .bulkString(let cursorBytes) = parts[0],
              let nextCursor = UInt64(String(decoding: cursorBytes, as: UTF8.self)),
              case .array(let keyReplies) = parts[1]
        else { throw KVError(.protocolError, "malformed SCAN reply") }
        let keys = keyReplies.compactMap { reply -> [UInt8]? in
            guard case .bulkString(let bytes) = reply else { return nil }
            return bytes
        }
        return KVScanPage(nextCursor: nextCursor, keys: keys)
    }

    /// Sends `PING` and expects `PONG`.
    public func ping(deadline: ContinuousClock.Instant) async throws(KVError) {
        _ = try await execute(RedisCommand(["PING"], expecting: .pong), deadline: deadline)
    }

    /// Stops every I/O thread, fails queued and in-flight commands with ``KVError/Code/shutDown``, closes the
    /// connections and waits until the threads have exited.
    public func shutdown() async {
        for connection in connections { connection.requestShutdown() }
        for connection in connections { await connection.waitForExit() }
    }

    // MARK: - Dispatch

    func execute(_ command: RedisCommand, deadline: ContinuousClock.Instant) async throws(KVError) -> RedisReply {
        guard ContinuousClock.now < deadline else { throw KVError(.timeout, "the deadline had passed before the command was sent") }
        let result = await pickConnection().send(command, deadline: deadline)
        switch result {
        case .success(let reply): return reply
        case .failure(let error): throw error
        }
    }

    /// The connection whose I/O thread the caller runs on, if any; else round robin, skipping connections
    /// that are down when another one is up.
    private func pickConnection() -> RedisConnection {
        if connections.count == 1 { return connections[0] }
        if let current = connections.first(where: { $0.isCurrentThread }) { return current }
        let start = nextConnection.wrappingAdd(1, ordering: .relaxed).oldValue
        for offset in 0..<connections.count {
            let candidate = connections[(start &+ offset) % connections.count]
            if candidate.isAccepting { return candidate }
        }
        return connections[start % connections.count]
    }

    /// Whether the calling thread is one of this store's I/O threads.
    var isOnIOThread: Bool { connections.contains { $0.isCurrentThread } }

    private static func count(_ reply: RedisReply) -> Int {
        if case .integer(let value) = reply { return Int(value) }
        return 0
    }
}
