import CacheCore

extension RedisClusterStore: KVServerInfo {
    /// `INFO section` of the first primary the topology lists (nodes of one cluster run one version).
    public func serverInfo(section: String, deadline: ContinuousClock.Instant) async throws(KVError) -> String {
        guard let node = try await currentPrimaries(deadline: deadline).first else {
            throw KVError(.serverError, "the cluster has no primary to ask")
        }
        let reply = try await send(RedisCommand(["INFO", section], expecting: .bulkStringOrNull), to: node, deadline: deadline)
        guard case .bulkString(let bytes) = reply else { throw KVError(.protocolError, "INFO answered null") }
        return String(decoding: bytes, as: UTF8.self)
    }
}
