import CacheCore
import CacheRedis
import CacheVercelKV
import Foundation
import Logging

extension TieredCache {
    /// Builds the cache the environment asks for: the one entry point an application needs.
    ///
    /// The rule (``KVBackendSelection/detect(in:)``): `CACHE_KV_BACKEND=redis|rest|memory` when set;
    /// otherwise REST when `KV_REST_API_URL` + `KV_REST_API_TOKEN` (or `KV_REST_API_READ_ONLY_TOKEN`, or the
    /// `UPSTASH_REDIS_REST_*` names) are set; otherwise `KV_URL` / `REDIS_URL`; otherwise memory-only.
    /// Anything unusable (a malformed URL, a URL without its token, `rediss://`) means memory-only and an
    /// error line. The decision is logged once as `cache_backend_selected`, with passwords and tokens
    /// redacted. Never throws: a cache always comes back.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment,
        configuration: CacheConfiguration = CacheConfiguration(),
        redisConfiguration: RedisStore.Configuration = RedisStore.Configuration(),
        restConfiguration: VercelKVStore.Configuration = VercelKVStore.Configuration(),
        logger: Logger
    ) -> TieredCache {
        let selection = KVBackendSelection.detect(in: environment)
        KVStoreFactory.logSelection(selection, logger: logger)
        let store = KVStoreFactory.makeStore(
            for: selection, redisConfiguration: redisConfiguration, restConfiguration: restConfiguration, logger: logger)
        return TieredCache(configuration: configuration, kvStore: store, logger: logger)
    }
}
