import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A loopback TCP listener that accepts every connection and then either closes it at once (like a proxy
/// whose upstream is down, or a server at `maxclients`) or holds it open without a byte (a TLS endpoint that
/// stalls mid-handshake). It counts what it accepted. A fault, not a Redis stand-in.
final class AcceptingListener: Sendable {
    enum Behaviour: Sendable {
        case closeAtOnce
        case holdSilently
    }

    let port: Int
    private let listener: Int32
    private let accepted = Atomic<Int>(0)
    private let held = Mutex<[Int32]>([])

    /// Connections accepted so far.
    var acceptedConnections: Int { accepted.load(ordering: .relaxed) }

    init(_ behaviour: Behaviour) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(.EMFILE) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && listen(descriptor, 128) == 0
                    && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard bound else {
            close(descriptor)
            throw POSIXError(.EADDRINUSE)
        }
        listener = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in acceptLoop(behaviour) }
        thread.start()
    }

    private func acceptLoop(_ behaviour: Behaviour) {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else {
                close(listener)
                held.withLock { clients in
                    for client in clients { close(client) }
                    clients = []
                }
                return
            }
            accepted.add(1, ordering: .relaxed)
            switch behaviour {
            case .closeAtOnce: close(client)
            case .holdSilently: held.withLock { $0.append(client) }
            }
        }
    }

    /// Stops listening; held connections are closed by the accept thread as it ends.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
    }
}
