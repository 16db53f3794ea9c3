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
            return RedisStore(endpoint: endpoint, configuration: redisConfiguration, logger: logger)
        case .rest(let endpoint, _):
            return VercelKVStore(endpoint: endpoint, configuration: restConfiguration, logger: logger)
        case .memoryOnly, .unusable:
            return nil
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
