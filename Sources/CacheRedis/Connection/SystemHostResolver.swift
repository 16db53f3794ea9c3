import CacheCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The default ``RedisHostResolver``: the system's `getaddrinfo` (so `/etc/hosts`, `nsswitch` and the
/// configured DNS servers apply), each lookup on a short-lived thread of its own.
///
/// A thread per lookup is cheap at the rate lookups happen (once per connection attempt, with backoff), and
/// a lookup that never returns leaks only its own thread, never the I/O thread or the cooperative pool.
struct SystemHostResolver: RedisHostResolver {
    func resolve(host: String, port: Int, completion: @escaping @Sendable (Result<[RedisSocketAddress], KVError>) -> Void) {
        let thread = Thread {
            completion(Self.lookUp(host: host, port: port))
        }
        thread.name = "redis-resolve"
        thread.start()
    }

    /// The blocking lookup.
    static func lookUp(host: String, port: Int) -> Result<[RedisSocketAddress], KVError> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_protocol = Int32(IPPROTO_TCP)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let list else {
            let reason = status == 0 ? "no address" : String(cString: gai_strerror(status))
            return .failure(KVError(.connectionRefused, "could not resolve '\(host)': \(reason)"))
        }
        defer { freeaddrinfo(list) }
        var addresses: [RedisSocketAddress] = []
        var node: UnsafeMutablePointer<addrinfo>? = list
        while let current = node {
            if let address = current.pointee.ai_addr {
                let candidate = RedisSocketAddress(family: current.pointee.ai_family, address: address, length: current.pointee.ai_addrlen)
                if !addresses.contains(candidate) { addresses.append(candidate) }
            }
            node = current.pointee.ai_next
        }
        return addresses.isEmpty ? .failure(KVError(.connectionRefused, "'\(host)' has no TCP address")) : .success(addresses)
    }
}
