import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension RawRedisConnection {
    /// Where the harness's plain-text admin connection goes: the loopback TCP port, or the server's unix socket
    /// when the server has no plain TCP port (a TLS-only node: `--port 0`, since the harness speaks no TLS).
    enum Endpoint: Sendable, CustomStringConvertible {
        /// 127.0.0.1:`port`.
        case tcp(port: Int)
        /// A unix socket path.
        case unix(path: String)

        var description: String {
            switch self {
            case .tcp(let port): "port \(port)"
            case .unix(let path): "socket \(path)"
            }
        }

        /// A connected, blocking socket with `timeout` on every read and write (the caller closes it).
        func connectedSocket(timeout: Duration) throws -> Int32 {
            let fd: Int32
            switch self {
            case .tcp: fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            case .unix: fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            }
            guard fd >= 0 else { throw Failure(description: "socket() failed: errno \(errno)") }
            var tv = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            let connected: Int32
            switch self {
            case .tcp(let port):
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = in_port_t(UInt16(port).bigEndian)
                address.sin_addr.s_addr = inet_addr("127.0.0.1")
                connected = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
            case .unix(let path):
                var address = sockaddr_un()
                address.sun_family = sa_family_t(AF_UNIX)
                let bytes = Array(path.utf8)
                let capacity = MemoryLayout.size(ofValue: address.sun_path)
                guard bytes.count < capacity else {
                    close(fd)
                    throw Failure(description: "unix socket path too long (\(bytes.count) bytes): \(path)")
                }
                withUnsafeMutableBytes(of: &address.sun_path) { buffer in
                    buffer.copyBytes(from: bytes)
                    buffer[bytes.count] = 0
                }
                connected = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
                }
            }
            guard connected == 0 else {
                let code = errno
                close(fd)
                throw Failure(description: "connect to \(self) failed: errno \(code)")
            }
            return fd
        }
    }
}
