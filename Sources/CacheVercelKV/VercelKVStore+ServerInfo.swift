import CacheCore

extension VercelKVStore: KVServerInfo {
    /// `INFO section` as a REST command (Upstash answers it; so does `kv-rest-bridge`, passing it through).
    public func serverInfo(section: String, deadline: ContinuousClock.Instant) async throws(KVError) -> String {
        guard let text = try await command(["INFO", section], deadline: deadline).text else {
            throw KVError(.protocolError, "INFO did not answer a string")
        }
        return text
    }
}
