import CacheCore
import NIOCore
import NIOPosix

/// A small pipelined RESP2 client on a NIO channel: what the bridge needs to forward any command to
/// redis-server and read back any reply shape (nested arrays, nulls, errors) without blocking a thread.
///
/// Why not hiredis (the CHiredis target): the bridge serves HTTP on NIO event loops, and hiredis's
/// blocking API would need a thread of its own per connection plus hops to and from it; its reader could
/// parse, but the reply tree would still have to be copied into Swift values. A NIO handler keeps each
/// HTTP connection and its Redis connection on one event loop with no hop at all.
public final class RESPConnection: Sendable {
    /// The channel to redis-server.
    public let channel: any Channel
    private let handler: NIOLoopBound<RESPClientHandler>

    private init(channel: any Channel, handler: NIOLoopBound<RESPClientHandler>) {
        self.channel = channel
        self.handler = handler
    }

    /// Connects to `endpoint` on `eventLoop`, then authenticates and selects the database it names.
    public static func connect(
        to endpoint: RedisEndpoint,
        on eventLoop: any EventLoop,
        connectTimeout: TimeAmount = .seconds(5)
    ) -> EventLoopFuture<RESPConnection> {
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(RESPClientHandler())
                }
            }
        let connected: EventLoopFuture<any Channel>
        switch endpoint.address {
        case .tcp(let host, let port):
            connected = bootstrap.channelOption(.socketOption(.tcp_nodelay), value: 1).connect(host: host, port: port)
        case .unixSocket(let path):
            connected = bootstrap.connect(unixDomainSocketPath: path)
        }
        return connected.flatMapThrowing { channel in
            let handler = try channel.pipeline.syncOperations.handler(type: RESPClientHandler.self)
            return RESPConnection(channel: channel, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop))
        }.flatMap { connection in
            let channel = connection.channel
            var setup: [[String]] = []
            if let password = endpoint.password {
                setup.append(["AUTH"] + (endpoint.username.map { [$0] } ?? []) + [password])
            }
            if endpoint.database != 0 { setup.append(["SELECT", String(endpoint.database)]) }
            guard !setup.isEmpty else { return channel.eventLoop.makeSucceededFuture(connection) }
            return connection.send(setup.map { $0.map { Array($0.utf8) } }).flatMapThrowing { values in
                for value in values {
                    if case .error(let text) = value {
                        channel.close(promise: nil)
                        throw RESPSetupError(message: text)
                    }
                }
                return connection
            }
        }
    }

    /// Writes `commands` in one write and returns their replies, in order.
    public func send(_ commands: [[[UInt8]]]) -> EventLoopFuture<[RESPValue]> {
        let promise = channel.eventLoop.makePromise(of: [RESPValue].self)
        var encoded = channel.allocator.buffer(capacity: 64)
        for command in commands { RESPEncoder.encode(command, into: &encoded) }
        let count = commands.count
        channel.eventLoop.execute { [encoded] in
            self.enqueue(encoded, count: count) { result in
                promise.completeWith(result.flatMap { replies in
                    var replies = replies
                    return Result {
                        try (0..<count).map { _ in
                            guard let value = try RESPParser.parse(&replies) else { throw RESPConnectionError.closed }
                            return value
                        }
                    }
                })
            }
            self.channel.flush()
        }
        return promise.futureResult
    }

    /// Queues `count` encoded commands as one write without flushing (a caller that sends for many
    /// requests in one event-loop tick flushes once for all of them, see ``SharedRedisConnection``);
    /// `completion` gets their replies as the bytes redis-server sent. On the channel's event loop only.
    func enqueue(_ commands: ByteBuffer, count: Int, completion: @escaping RESPClientHandler.Completion) {
        handler.value.enqueue(commands, count: count, completion: completion)
    }

    /// Sends one command given as strings and waits for its reply.
    public func command(_ arguments: [String]) async throws -> RESPValue {
        try await send([arguments.map { Array($0.utf8) }]).get()[0]
    }

    /// Whether the channel is still open.
    public var isActive: Bool { channel.isActive }

    /// Closes the connection.
    public func close() async {
        try? await channel.close()
    }
}

/// redis-server refused `AUTH` or `SELECT` while connecting.
public struct RESPSetupError: Error, CustomStringConvertible {
    /// Redis's error text.
    public var message: String

    /// A readable explanation.
    public var description: String { "redis-server refused the connection setup: \(message)" }
}
