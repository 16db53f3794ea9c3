import CacheCore
import Foundation
import KVRestBridge
import Logging
import RedisServerSupport

/// A redis-server of the test's own behind a bridge on a free loopback port.
struct BridgeFixture {
    static let token = "test-token-\(UInt32.random(in: 0...UInt32.max))"

    let redis: RedisServer
    let bridge: BridgeServer

    static func start(token: String? = BridgeFixture.token) async throws -> BridgeFixture {
        let redis = try await RedisServer.start()
        do {
            let configuration = BridgeConfiguration(
                port: 0, token: token, redis: try RedisEndpoint(url: redis.url))
            let bridge = try await BridgeServer.start(configuration: configuration, logger: Logger(label: "bridge-test"))
            return BridgeFixture(redis: redis, bridge: bridge)
        } catch {
            redis.cleanUp()
            throw error
        }
    }

    var url: String { bridge.url }

    /// The environment an application on Vercel would see, pointing at this bridge.
    var environment: [String: String] { ["KV_REST_API_URL": url, "KV_REST_API_TOKEN": Self.token] }

    func endpoint(token: String = BridgeFixture.token, readOnly: Bool = false) throws -> RESTEndpoint {
        try RESTEndpoint(url: url, token: token, readOnly: readOnly)
    }

    func stop() async {
        await bridge.shutdown()
        redis.cleanUp()
    }
}

/// A logger that drops everything (tests read results, not logs).
let quietLogger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
