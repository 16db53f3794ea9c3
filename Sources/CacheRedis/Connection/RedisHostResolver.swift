import CacheCore

/// Turns a host name into socket addresses off the connection's I/O thread, where every caller's deadline
/// is enforced and a blocking `getaddrinfo` would stall them all.
///
/// The I/O thread asks at the start of every connection attempt (managed Redis fails over behind a DNS
/// name, so an address is never cached across reconnects) and waits for `completion` only until the
/// attempt's connect deadline; a late answer is dropped.
protocol RedisHostResolver: Sendable {
    /// Resolves `host`:`port` to TCP addresses and calls `completion` once, on any thread.
    func resolve(host: String, port: Int, completion: @escaping @Sendable (Result<[RedisSocketAddress], KVError>) -> Void)
}
