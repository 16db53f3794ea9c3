import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// The Upstash-compatible REST API in front of a redis-server.
///
/// Why NIOHTTP1 and not Hummingbird: the package already builds swift-nio for the fault proxy, the
/// bridge needs no routing beyond four path shapes, and a handler on the raw channel keeps each HTTP
/// connection and its Redis connection on one event loop. Hummingbird would add several minutes to every
/// clean build (CI builds from scratch) for features the bridge does not use.
public final class BridgeServer: Sendable {
    /// The listening channel.
    public let channel: any Channel
    /// The faults injected into requests (tests and the scenario runner only).
    public let faults: BridgeFaults
    private let redis: SharedRedisConnections

    private init(channel: any Channel, faults: BridgeFaults, redis: SharedRedisConnections) {
        self.channel = channel
        self.faults = faults
        self.redis = redis
    }

    /// The port the bridge listens on.
    public var port: Int { channel.localAddress?.port ?? 0 }

    /// The base URL clients use (`KV_REST_API_URL`, `UPSTASH_REDIS_REST_URL`).
    public var url: String {
        let host = channel.localAddress?.ipAddress ?? "127.0.0.1"
        return "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }

    /// Binds and starts serving.
    public static func start(
        configuration: BridgeConfiguration,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) async throws -> BridgeServer {
        let faults = BridgeFaults()
        let redis = SharedRedisConnections(endpoint: configuration.redis, group: group)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: true)
                    try pipeline.addHandler(BridgeHTTPHandler(configuration: configuration, faults: faults, redis: redis, logger: logger))
                }
            }
            .bind(host: configuration.host, port: configuration.port)
            .get()
        return BridgeServer(channel: channel, faults: faults, redis: redis)
    }

    /// Stops listening and closes the Redis connections (requests still open are answered 500).
    public func shutdown() async {
        try? await channel.close()
        await redis.shutdown()
    }
}
