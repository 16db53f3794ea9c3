import CacheCore
import FaultProxy
import RedisServerSupport

extension VariantRunner {
    /// With `readStrategy: memory-first` over Redis, a proxy of its own for every instance's backplane
    /// subscriber connection, so a toxic can reach the backplane alone (`target: backplane`) while KV
    /// traffic goes through the instances' usual proxies.
    func makeBackplaneProxy() async throws -> ProxyEndpoint? {
        guard scenario.topology.readStrategy == .memoryFirst, scenario.topology.backend == .redis, let redis else { return nil }
        let state = try await redis.proxies.createProxy(ProxyConfiguration(
            name: "backplane", listen: "127.0.0.1:0", upstream: "127.0.0.1:\(redis.server.port)"))
        return ProxyEndpoint(name: state.name, url: redis.url(proxyPort: state.listenPort))
    }
}

extension CacheConfiguration {
    /// This configuration with the topology's read strategy and backplane settings.
    func withReadStrategy(of topology: Topology) -> CacheConfiguration {
        var configuration = self
        switch topology.readStrategy {
        case .kvFirst: configuration.readStrategy = .kvFirst
        case .memoryFirst: configuration.readStrategy = .memoryFirst
        }
        configuration.backplane = BackplanePolicy(
            maximumStaleness: .milliseconds(topology.backplaneStalenessMilliseconds),
            heartbeatInterval: .milliseconds(topology.backplaneHeartbeatMilliseconds))
        return configuration
    }
}
