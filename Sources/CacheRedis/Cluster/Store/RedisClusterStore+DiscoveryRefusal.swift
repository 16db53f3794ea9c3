import CacheCore
import Synchronization

/// What a request gets when no cluster map is known. Usually the seeds are unreachable (`connection_refused`),
/// but when they refused the store itself — a certificate its CA does not trust, a failed TLS handshake — every
/// node will refuse it the same way until the setting is fixed, so the request fails with that class (`tls`), as
/// a one-node ``RedisStore`` does, instead of hiding it behind `connection_refused`: metrics and logs by class
/// then point at the setting, not at the network.
extension RedisClusterStore {
    /// Classes that come from the store's settings rather than from the cluster's state.
    static let settingFaults: Set<KVError.Code> = [.tls, .authentication]

    /// The KV failure for a cluster-level give-up: ``kvError(_:)``, except that "no map known" after a discovery
    /// refused for a setting's fault carries that fault's class.
    func kvError(for failure: ClusterRequestFailure) -> KVError {
        guard case .noTopology = failure, let refusal = state.withLock({ $0.discoveryRefusal }) else {
            return Self.kvError(failure)
        }
        return KVError(refusal.code, "\(failure.description): \(refusal.message)")
    }

    /// After a discovery: remembers the setting's fault its asks failed with when it found no map, forgets it
    /// when it found one.
    func recordDiscoveryRefusal(found: Bool, errors: [KVError]) {
        let refusal = found ? nil : errors.first { Self.settingFaults.contains($0.code) }
        state.withLock { $0.discoveryRefusal = refusal }
    }
}
