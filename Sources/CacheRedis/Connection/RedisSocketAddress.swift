#if canImport(Glibc)
import Glibc
#endif

/// A socket address (`sockaddr_in`, `sockaddr_in6` or `sockaddr_un`) as bytes, so it can cross threads.
struct RedisSocketAddress: Sendable, Hashable, CustomStringConvertible {
    /// `AF_INET`, `AF_INET6` or `AF_UNIX`.
    let family: Int32
    /// The `sockaddr` bytes.
    let bytes: [UInt8]

    /// Copies `length` bytes of `address`.
    init(family: Int32, address: UnsafePointer<sockaddr>, length: socklen_t) {
        self.family = family
        self.bytes = Array(UnsafeRawBufferPointer(start: address, count: Int(length)))
    }

    /// A numeric IPv4 or IPv6 literal, without any lookup; `nil` for a host name.
    init?(numericHost host: String, port: Int) {
        var v4 = sockaddr_in()
        if inet_pton(AF_INET, host, &v4.sin_addr) == 1 {
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = in_port_t(UInt16(port).bigEndian)
            self.family = AF_INET
            self.bytes = withUnsafeBytes(of: v4) { Array($0) }
            return
        }
        var v6 = sockaddr_in6()
        if inet_pton(AF_INET6, host, &v6.sin6_addr) == 1 {
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = in_port_t(UInt16(port).bigEndian)
            self.family = AF_INET6
            self.bytes = withUnsafeBytes(of: v6) { Array($0) }
            return
        }
        return nil
    }

    /// A unix domain socket path, or `nil` when it is too long for `sun_path`.
    init?(unixPath path: String) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        self.family = AF_UNIX
        let length = MemoryLayout<sa_family_t>.size + pathBytes.count + 1
        self.bytes = withUnsafeBytes(of: address) { Array($0.prefix(length)) }
    }

    /// Calls `body` with the address as a `sockaddr` pointer and its length.
    func withSocketAddress<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        bytes.withUnsafeBytes { raw in
            body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
        }
    }

    private static func text(_ characters: [CChar]) -> String {
        String(decoding: characters.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The address in numeric form, for logs.
    var description: String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        return bytes.withUnsafeBytes { raw -> String in
            switch family {
            case AF_INET:
                var address = raw.loadUnaligned(as: sockaddr_in.self)
                inet_ntop(AF_INET, &address.sin_addr, &text, socklen_t(text.count))
                return Self.text(text) + ":\(UInt16(bigEndian: address.sin_port))"
            case AF_INET6:
                var address = raw.loadUnaligned(as: sockaddr_in6.self)
                inet_ntop(AF_INET6, &address.sin6_addr, &text, socklen_t(text.count))
                return "[" + Self.text(text) + "]:\(UInt16(bigEndian: address.sin6_port))"
            default:
                return "unix socket"
            }
        }
    }
}
