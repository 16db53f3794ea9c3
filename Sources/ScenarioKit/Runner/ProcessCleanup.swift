import RedisServerSupport
import Synchronization

/// The redis-server processes a run has started, so they are killed and their directories removed on
/// every exit path: normal end, failure, or Ctrl-C (the CLI's signal handler calls ``cleanUpAll()``).
public final class ProcessCleanup: Sendable {
    private let servers = Mutex<[ObjectIdentifier: RedisServer]>([:])

    /// Creates an empty registry.
    public init() {}

    /// Remembers a server until ``release(_:)``.
    public func register(_ server: RedisServer) {
        servers.withLock { $0[ObjectIdentifier(server)] = server }
    }

    /// Stops and forgets a server that its owner cleaned up.
    public func release(_ server: RedisServer) {
        server.cleanUp()
        _ = servers.withLock { $0.removeValue(forKey: ObjectIdentifier(server)) }
    }

    /// Kills every server still registered and removes its directory. Synchronous, so a signal handler
    /// can call it just before exiting.
    public func cleanUpAll() {
        let remaining = servers.withLock { servers in
            let all = Array(servers.values)
            servers.removeAll()
            return all
        }
        for server in remaining { server.cleanUp() }
    }

    /// How many servers are still registered.
    public var count: Int { servers.withLock { $0.count } }
}
