import NIOCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Holds a disabled proxy's port: a socket bound to the address but not listening, so connections are
/// refused (as with a closed listener) while no other socket — another test's ephemeral listener, an
/// outgoing connection's local port — can take the port before the proxy is enabled again.
///
/// Toxiproxy simply closes the listener, and re-enabling then fails with "address already in use"
/// whenever something grabbed the port meanwhile; on a busy machine that happened in our own tests.
final class PortReservation: Sendable {
    private let descriptor: Mutex<Int32>

    /// Binds a socket to `address`; `nil` when the address cannot be bound (the proxy then simply has no
    /// reservation, as Toxiproxy has none).
    init?(_ address: SocketAddress) {
        let family: Int32
        switch address {
        case .v4: family = AF_INET
        case .v6: family = AF_INET6
        case .unixDomainSocket: return nil
        }
        let socketDescriptor = socket(family, Int32(SOCK_STREAM.rawValue), 0)
        guard socketDescriptor >= 0 else { return nil }
        var one: Int32 = 1
        setsockopt(socketDescriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = address.withSockAddr { pointer, length in bind(socketDescriptor, pointer, socklen_t(length)) }
        guard bound == 0 else {
            close(socketDescriptor)
            return nil
        }
        descriptor = Mutex(socketDescriptor)
    }

    deinit { release() }

    /// Frees the port; calling it again does nothing.
    func release() {
        descriptor.withLock { descriptor in
            guard descriptor >= 0 else { return }
            close(descriptor)
            descriptor = -1
        }
    }
}
