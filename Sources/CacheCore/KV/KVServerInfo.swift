/// A store that can say which server it talks to, for tools such as `pcache doctor`; never used on the
/// cache's request path. A refinement rather than a ``KVStore`` requirement, so stores that cannot answer
/// (a test double, a future backend) still compile and simply report no version.
public protocol KVServerInfo: KVStore {
    /// The text of `INFO <section>` (`key:value` lines), read over the store's own connection, so it
    /// works wherever the store works (`rediss://` included, and REST).
    func serverInfo(section: String, deadline: ContinuousClock.Instant) async throws(KVError) -> String
}

extension KVServerInfo {
    /// The server's version from `INFO server`: `valkey_version` on Valkey (whose `redis_version` is a
    /// fixed compatibility number), else `redis_version`; `nil` when the server does not say.
    public func serverVersion(deadline: ContinuousClock.Instant) async throws(KVError) -> String? {
        let info = try await serverInfo(section: "server", deadline: deadline)
        return Self.version(fromInfo: info)
    }

    /// The version field of an `INFO server` text.
    public static func version(fromInfo info: String) -> String? {
        var fields: [Substring: Substring] = [:]
        for line in info.split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon]] = line[line.index(after: colon)...]
        }
        return (fields["valkey_version"] ?? fields["redis_version"]).map(String.init)
    }
}
