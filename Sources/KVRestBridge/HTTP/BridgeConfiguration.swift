import CacheCore

/// How a ``BridgeServer`` listens and where it forwards.
public struct BridgeConfiguration: Sendable {
    /// The address to bind; loopback unless told otherwise.
    public var host: String
    /// The port to bind; `0` picks a free one (read it back from ``BridgeServer/port``).
    public var port: Int
    /// The token clients must present (`Authorization: Bearer …` or `?_token=`), or `nil` to accept any
    /// request (only with `--allow-no-token`).
    public var token: String?
    /// The redis-server behind the bridge.
    public var redis: RedisEndpoint
    /// The largest request body accepted; a longer one is answered `413`.
    public var maximumBodyBytes: Int

    /// Creates a configuration.
    public init(
        host: String = "127.0.0.1",
        port: Int = 8079,
        token: String?,
        redis: RedisEndpoint,
        maximumBodyBytes: Int = 64 << 20
    ) {
        self.host = host
        self.port = port
        self.token = token
        self.redis = redis
        self.maximumBodyBytes = maximumBodyBytes
    }
}
