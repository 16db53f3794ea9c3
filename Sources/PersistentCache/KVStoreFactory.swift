import CacheCore
import CacheRedis
import CacheVercelKV
import Logging

/// Builds the store a ``KVBackendSelection`` names; shared by `TieredCache.fromEnvironment` and `pcache`,
/// so a check from the shell sees exactly what the application would use.
public enum KVStoreFactory {
    /// The store for `selection`, or `nil` for memory-only.
    public static func makeStore(
        for selection: KVBackendSelection,
        redisConfiguration: RedisStore.Configuration = .init(),
        restConfiguration: VercelKVStore.Configuration = .init(),
        logger: Logger
    ) -> (any KVStore)? {
        switch selection {
        case .redis(let endpoint, _):
            return makeRedisStore(endpoint: endpoint, configuration: redisConfiguration, logger: logger)
        case .rest(let endpoint, _):
            return VercelKVStore(endpoint: endpoint, configuration: restConfiguration, logger: logger)
        case .memoryOnly, .unusable:
            return nil
        }
    }

    /// The Redis tier for `endpoint`: `?cluster=true` → ``RedisClusterStore`` (seeded with it), `?cluster=false`
    /// or a unix socket → one-node ``RedisStore``, otherwise ``RedisClusterDetectingStore``, which starts as one
    /// node and switches when the server turns out to be a cluster node.
    public static func makeRedisStore(endpoint: RedisEndpoint, configuration: RedisStore.Configuration, logger: Logger) -> any KVStore {
        if case .unixSocket = endpoint.address { return RedisStore(endpoint: endpoint, configuration: configuration, logger: logger) }
        switch endpoint.cluster {
        case true?: return RedisClusterStore(seeds: [endpoint], configuration: configuration, logger: logger)
        case false?: return RedisStore(endpoint: endpoint, configuration: configuration, logger: logger)
        case nil: return RedisClusterDetectingStore(endpoint: endpoint, configuration: configuration, logger: logger)
        }
    }

    /// Logs the selection once as `cache_backend_selected`, secrets redacted: info when a tier is used or
    /// memory-only was chosen, error when a configuration is present but unusable.
    public static func logSelection(_ selection: KVBackendSelection, logger: Logger) {
        switch selection {
        case .redis(let endpoint, let variable):
            logger.info("cache_backend_selected", metadata: [
                "backend": "redis", "endpoint": "\(endpoint.redactedURL)", "variable": "\(variable)",
            ])
        case .rest(let endpoint, let variable):
            logger.info("cache_backend_selected", metadata: [
                "backend": "rest", "url": "\(endpoint.redactedURL)", "variable": "\(variable)",
                "readOnly": "\(endpoint.readOnly)",
            ])
        case .memoryOnly(let reason):
            logger.info("cache_backend_selected", metadata: ["backend": "memory-only", "reason": "\(reason)"])
        case .unusable(let reason):
            logger.error("cache_backend_selected", metadata: [
                "backend": "memory-only", "reason": "\(reason)", "configured": "true",
            ])
        }
    }
}
