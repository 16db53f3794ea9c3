import CacheCore

extension RedisStore: KVServerInfo {
    /// `INFO section` over the store's own connections, so over TLS (`rediss://`) as well.
    public func serverInfo(section: String, deadline: ContinuousClock.Instant) async throws(KVError) -> String {
        let reply = try await execute(RedisCommand(["INFO", section], expecting: .bulkStringOrNull), deadline: deadline)
        guard case .bulkString(let bytes) = reply else { throw KVError(.protocolError, "INFO answered null") }
        return String(decoding: bytes, as: UTF8.self)
    }
}
