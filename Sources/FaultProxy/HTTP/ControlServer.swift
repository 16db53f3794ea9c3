import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// The HTTP server for the Toxiproxy-compatible control API (default 127.0.0.1:8474).
public final class ControlServer: Sendable {
    private let channel: any Channel

    /// The address the server is bound to.
    public let address: HostAndPort

    private init(channel: any Channel, address: HostAndPort) {
        self.channel = channel
        self.address = address
    }

    /// Binds `host:port` (port 0 picks a free port) and serves `registry` over HTTP.
    public static func start(
        registry: ProxyRegistry, host: String = "127.0.0.1", port: Int = 8474,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "fault-proxy")
    ) async throws(FaultProxyError) -> ControlServer {
        let api = ControlAPI(registry: registry)
        let bootstrap = ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: false)
                    try channel.pipeline.syncOperations.addHandler(ControlHTTPHandler(api: api))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: host, port: port).get()
        } catch {
            throw .internalFailure("could not listen on \(HostAndPort(host: host, port: port)): \(error)")
        }
        let bound = HostAndPort(host: channel.localAddress?.ipAddress ?? host, port: channel.localAddress?.port ?? port)
        logger.info("control API listening", metadata: ["address": "\(bound)"])
        return ControlServer(channel: channel, address: bound)
    }

    /// Stops accepting control connections.
    public func close() async {
        try? await channel.close()
    }
}
