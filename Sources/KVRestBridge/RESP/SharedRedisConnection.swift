import CacheCore
import NIOCore

/// The one Redis connection every HTTP connection on an event loop shares, with automatic pipelining:
/// commands from all the requests handled in one event-loop tick go out in a single flush, and their
/// replies come back in one read.
///
/// Why shared and not one per HTTP connection: with 64 HTTP clients the bridge used to hold 64 Redis
/// connections, each carrying one command per round trip, so redis-server did a read and a write system
/// call per command and the bridge one more of each. Sharing turns that into one of each per tick
/// (measured in `cache-bench`: `wrk.bridge.get.c64` against `wrk.bare.c64`).
///
/// Safe to share because each request's commands are written as one contiguous group (a `/multi-exec`
/// can never interleave with another request) and replies are matched to groups in order; commands that
/// would change the connection's state or block it for everyone are refused before they get here
/// (``CommandPolicy``). Confined to its event loop: every method runs on it.
final class SharedRedisConnection {
    private enum State {
        case idle
        case connecting(EventLoopFuture<RESPConnection>)
        case connected(RESPConnection)
        case shutDown
    }

    private let endpoint: RedisEndpoint
    private let eventLoop: any EventLoop
    private var state = State.idle
    private var flushScheduled = false

    init(endpoint: RedisEndpoint, eventLoop: any EventLoop) {
        self.endpoint = endpoint
        self.eventLoop = eventLoop
    }

    /// Sends `count` encoded commands as one group, connecting first when needed; `completion` gets their
    /// replies (the bytes redis-server sent), or why none came.
    func send(_ commands: ByteBuffer, count: Int, completion: @escaping RESPClientHandler.Completion) {
        eventLoop.preconditionInEventLoop()
        switch state {
        case .connected(let connection) where connection.isActive:
            enqueue(commands, count: count, on: connection, completion: completion)
        case .connecting(let pending):
            enqueue(commands, count: count, after: pending, completion: completion)
        case .shutDown:
            completion(.failure(RESPConnectionError.closed))
        case .idle, .connected:
            let pending = RESPConnection.connect(to: endpoint, on: eventLoop)
            state = .connecting(pending)
            // Registered before any sender's callback, so the state is settled before they run.
            pending.assumeIsolated().whenComplete { result in
                guard case .connecting = self.state else {
                    // Shut down while connecting.
                    if case .success(let connection) = result { connection.channel.close(promise: nil) }
                    return
                }
                switch result {
                case .success(let connection): self.state = .connected(connection)
                case .failure: self.state = .idle
                }
            }
            enqueue(commands, count: count, after: pending, completion: completion)
        }
    }

    /// Closes the connection; later sends fail.
    func shutdown() {
        if case .connected(let connection) = state { connection.channel.close(promise: nil) }
        state = .shutDown
    }

    private func enqueue(
        _ commands: ByteBuffer, count: Int, after pending: EventLoopFuture<RESPConnection>,
        completion: @escaping RESPClientHandler.Completion
    ) {
        pending.assumeIsolated().whenComplete { result in
            switch result {
            case .success(let connection): self.enqueue(commands, count: count, on: connection, completion: completion)
            case .failure(let error): completion(.failure(error))
            }
        }
    }

    private func enqueue(
        _ commands: ByteBuffer, count: Int, on connection: RESPConnection, completion: @escaping RESPClientHandler.Completion
    ) {
        if case .shutDown = state {
            completion(.failure(RESPConnectionError.closed))
            return
        }
        connection.enqueue(commands, count: count, completion: completion)
        if !flushScheduled {
            // Runs after the I/O of this tick: every request read meanwhile joins the same flush.
            flushScheduled = true
            eventLoop.assumeIsolated().execute {
                self.flushScheduled = false
                connection.channel.flush()
                // A reconnect since the flush was scheduled: the new connection's writes wait here too.
                if case .connected(let current) = self.state, current !== connection { current.channel.flush() }
            }
        }
    }
}
