import CacheCore
import Foundation
import Logging

extension TieredCache {
    /// Builds the cache the environment asks for, as the plan's automatic environment detection does.
    ///
    /// `KV_URL` / `REDIS_URL` (`redis://`, `rediss://` with `ssl_ca_certs` / `ssl_cert_reqs`, `unix://`)
    /// select the Redis tier; `KV_REST_API_URL` + `KV_REST_API_TOKEN` (or the `UPSTASH_REDIS_REST_*` names)
    /// are recognised and reported, and mean memory-only until the REST backend exists; anything unusable
    /// (a malformed URL, a URL without its token) and nothing at all mean memory-only. The decision is logged once as
    /// `cache_backend_selected`, with passwords and tokens redacted. Never throws: a cache always comes back.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment,
        configuration: CacheConfiguration = CacheConfiguration(),
        redisConfiguration: RedisStore.Configuration = RedisStore.Configuration(),
        logger: Logger
    ) -> TieredCache {
        let selection = KVBackendSelection.detect(in: environment)
        switch selection {
        case .redis(let endpoint, let variable):
            logger.info("cache_backend_selected", metadata: [
                "backend": "redis", "endpoint": "\(endpoint.redactedURL)", "variable": "\(variable)",
            ])
            let store = RedisStore(endpoint: endpoint, configuration: redisConfiguration, logger: logger)
            return TieredCache(configuration: configuration, kvStore: store, logger: logger)
        case .rest(let url, let variable):
            logger.warning("cache_backend_selected", metadata: [
                "backend": "memory-only",
                "requested": "rest",
                "url": "\(redactedRESTURL(url))",
                "variable": "\(variable)",
                "reason": "the REST (Upstash/Vercel KV) backend is not available in this build; set REDIS_URL to a redis:// endpoint to persist",
            ])
        case .memoryOnly(let reason):
            let configuredButUnusable = KVBackendSelection.redisURLVariables.contains { environment[$0] != nil }
                || KVBackendSelection.restVariables.contains { environment[$0.0] != nil }
            let metadata: Logger.Metadata = ["backend": "memory-only", "reason": "\(reason)"]
            if configuredButUnusable {
                logger.error("cache_backend_selected", metadata: metadata)
            } else {
                logger.info("cache_backend_selected", metadata: metadata)
            }
        }
        return TieredCache(configuration: configuration, kvStore: nil, logger: logger)
    }

    /// A REST URL without any user-info part, in case credentials were put into it.
    private static func redactedRESTURL(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return "<unparseable URL>" }
        if components.user != nil || components.password != nil {
            components.user = "***"
            components.password = nil
        }
        components.query = components.query == nil ? nil : "***"
        return components.string ?? "<unparseable URL>"
    }
}
