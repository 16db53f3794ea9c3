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
        let (descriptor, port) = try LoopbackListenerSocket.make(backlog: 128)
        self.listener = descriptor
        self.port = port
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
