import ArgumentParser
import CacheCore
import KVRestBridge
import Logging
import Foundation
import NIOPosix

/// `kv-rest-bridge`: the Upstash REST API (Vercel KV's protocol) in front of a redis-server, so Upstash's
/// SDKs and this package's REST tier work on a laptop (`KV_REST_API_URL=http://127.0.0.1:8079`).
@main
struct KVRestBridgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kv-rest-bridge",
        abstract: "Serve the Upstash/Vercel KV REST API in front of a redis-server.",
        discussion: """
            Clients authenticate with 'Authorization: Bearer TOKEN' or '?_token=TOKEN'. Point an Upstash SDK \
            or PersistentCache at it with KV_REST_API_URL=http://127.0.0.1:PORT and KV_REST_API_TOKEN=TOKEN.
            """)

    @Option(name: .long, help: "The redis-server to forward to (redis://[user:password@]host:port/db or unix:///path.sock).")
    var redisURL = "redis://127.0.0.1:6379"

    @Option(name: .long, help: "The port to listen on.")
    var port = 8079

    @Option(name: .long, help: "The address to bind (loopback by default; 0.0.0.0 exposes the bridge to the network).")
    var host = "127.0.0.1"

    @Option(name: .long, help: "The token clients must present (default: the KV_REST_BRIDGE_TOKEN variable).")
    var token: String?

    @Flag(name: .long, help: "Accept requests without a token (only for a bridge nobody else can reach).")
    var allowNoToken = false

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    func validate() throws {
        if resolvedToken == nil, !allowNoToken {
            throw ValidationError("no token: pass --token TOKEN (or set KV_REST_BRIDGE_TOKEN), or --allow-no-token for an open bridge")
        }
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0…65535") }
    }

    private var resolvedToken: String? {
        if let token, !token.isEmpty { return token }
        if let fromEnvironment = ProcessInfo.environmentValue("KV_REST_BRIDGE_TOKEN"), !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return nil
    }

    func run() async throws {
        var logger = Logger(label: "kv-rest-bridge")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let endpoint: RedisEndpoint
        do {
            endpoint = try RedisEndpoint(url: redisURL)
        } catch {
            throw ValidationError("--redis-url: \(error)")
        }
        guard endpoint.tls == nil else {
            throw ValidationError("--redis-url: the bridge speaks plain RESP; use redis:// or unix:// (run it next to the server)")
        }
        let configuration = BridgeConfiguration(host: host, port: port, token: resolvedToken, redis: endpoint)
        let server = try await BridgeServer.start(configuration: configuration, logger: logger)
        do {
            let probe = try await RESPConnection.connect(to: endpoint, on: MultiThreadedEventLoopGroup.singleton.next()).get()
            await probe.close()
        } catch {
            logger.warning("redis-server not reachable yet; requests will answer 500 until it is", metadata: [
                "redis": "\(endpoint.redactedURL)", "error": "\(error)",
            ])
        }
        logger.info("kv-rest-bridge listening", metadata: [
            "url": "\(server.url)", "redis": "\(endpoint.redactedURL)",
            "auth": "\(configuration.token == nil ? "none (--allow-no-token)" : "bearer token")",
        ])
        print("KV_REST_API_URL=\(server.url)")
        try await server.channel.closeFuture.get()
    }
}

extension ProcessInfo {
    static func environmentValue(_ name: String) -> String? { processInfo.environment[name] }
}
