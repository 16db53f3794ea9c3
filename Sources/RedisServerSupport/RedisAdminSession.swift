import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One administrative connection to a redis-server, opened once and kept: a harness that sets `maxclients` below
/// the number of connected clients must still be able to set it back, and a new connection would be refused.
///
/// Commands run on a dedicated thread (blocking socket calls never occupy the cooperative pool), one at a time.
/// A broken connection (the server restarted) is reopened once, with the password given to that call.
public final class RedisAdminSession: Sendable {
    /// The port of the server.
    public let port: Int
    private let connection = Mutex<RawRedisConnection.Reader?>(nil)

    /// Creates a session to the redis-server on 127.0.0.1:`port`; nothing is opened until the first command.
    public init(port: Int) {
        self.port = port
    }

    /// Sends `arguments` and returns the raw RESP reply text (errors are replies, not throws).
    public func command(_ arguments: [String], password: String?, timeout: Duration = .seconds(5)) async throws -> String {
        try await pipeline([arguments.map { Array($0.utf8) }], password: password, timeout: timeout)[0]
    }

    /// Sends every command at once (arguments are any bytes) and returns the raw replies, in order.
    public func pipeline(_ commands: [[[UInt8]]], password: String?, timeout: Duration = .seconds(5)) async throws -> [String] {
        guard !commands.isEmpty else { return [] }
        return try await DedicatedThread.run { [self] in
            try self.connection.withLock { reader in
                for attempt in 0..<2 {
                    do {
                        if reader == nil {
                            reader = try RawRedisConnection.open(port: self.port, password: password, timeout: timeout)
                        }
                        return try RawRedisConnection.pipeline(&reader!, commands).map { String(decoding: $0, as: UTF8.self) }
                    } catch {
                        if let open = reader { Glibc.close(open.fd) }
                        reader = nil
                        if attempt == 1 { throw error }
                    }
                }
                throw RawRedisConnection.Failure(description: "unreachable")
            }
        }
    }

    /// Closes the connection.
    public func close() {
        connection.withLock { reader in
            if let open = reader { Glibc.close(open.fd) }
            reader = nil
        }
    }
}
