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
        let (command, limited) = RedisKVCommands.get(key, maximumBytes: maximumBytes, verify: verify)
        let reply = try await execute(command, deadline: deadline)
        return try RedisKVCommands.value(from: reply, limited: limited, maximumBytes: maximumBytes)
    }

    /// Writes `key` with `SET key value [PX milliseconds]`; a sub-millisecond TTL is rounded up to 1 ms.
    public func set(_ key: String, value: [UInt8], ttl: Duration?, deadline: ContinuousClock.Instant) async throws(KVError) {
        _ = try await execute(RedisKVCommands.set(key, value: value, ttl: ttl), deadline: deadline)
    }

    /// Deletes `keys` with `UNLINK` (or `DEL` on servers that lack it) and returns how many existed.
    public func delete(_ keys: [[UInt8]], deadline: ContinuousClock.Instant) async throws(KVError) -> Int {
        guard !keys.isEmpty else { return 0 }
        if !unlinkUnsupported.load(ordering: .relaxed) {
            do {
                return RedisKVCommands.count(try await execute(RedisKVCommands.delete(keys, unlink: true), deadline: deadline))
            } catch where RedisKVCommands.isUnknownCommand(error) {
                unlinkUnsupported.store(true, ordering: .relaxed)
            }
        }
        return RedisKVCommands.count(try await execute(RedisKVCommands.delete(keys, unlink: false), deadline: deadline))
    }

    /// One `SCAN cursor MATCH pattern COUNT count` step.
    public func scan(cursor: UInt64, match pattern: String, count: Int, deadline: ContinuousClock.Instant) async throws(KVError) -> KVScanPage {
        let reply = try await execute(RedisKVCommands.scan(cursor: cursor, match: pattern, count: count), deadline: deadline)
        return try RedisKVCommands.scanPage(from: reply)
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

    /// Sends one command on one of the store's connections (also how the cluster detection probes the
    /// server, how the backplane publishes, and how `INFO` reaches it for ``KVServerInfo``).
    nonisolated(nonsending) func execute(_ command: RedisCommand, deadline: ContinuousClock.Instant) async throws(KVError) -> RedisReply {
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

    /// How many commands callers have written to the sockets themselves (``Configuration/directWrites``).
    var directWriteCount: Int { connections.reduce(0) { $0 + $1.directWriteCount } }

    /// Whether the calling thread is one of this store's I/O threads.
    var isOnIOThread: Bool { connections.contains { $0.isCurrentThread } }
}
