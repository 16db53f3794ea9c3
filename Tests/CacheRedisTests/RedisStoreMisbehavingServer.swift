import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A loopback TCP listener that answers every read with the same fixed bytes: a server gone wrong, to check
/// how the store treats replies no Redis would send. (It stands in for a fault, not for Redis: every other
/// test talks to a real redis-server.)
final class RedisStoreMisbehavingServer: Sendable {
    let port: Int
    private let listener: Int32
    private let accepted = Atomic<Int>(0)
    private let clients = Mutex<[Int32]>([])

    /// Connections accepted so far.
    var acceptedConnections: Int { accepted.load(ordering: .relaxed) }

    init(answer: [UInt8]) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(.EMFILE) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && listen(descriptor, 16) == 0
                    && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard bound else {
            close(descriptor)
            throw POSIXError(.EADDRINUSE)
        }
        self.listener = descriptor
        self.port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in acceptLoop(answer: answer) }
        thread.start()
    }

    private func acceptLoop(answer: [UInt8]) {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else {
                // Closed here, by the only thread that uses it, so no other thread can touch a reused number.
                close(listener)
                return
            }
            accepted.add(1, ordering: .relaxed)
            clients.withLock { $0.append(client) }
            let thread = Thread { [self] in
                var buffer = [UInt8](repeating: 0, count: 4096)
                while read(client, &buffer, buffer.count) > 0 {
                    _ = answer.withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
                }
                clients.withLock { clients in
                    clients.removeAll { $0 == client }
                    close(client)
                }
            }
            thread.start()
        }
    }

    /// Stops listening and shuts every connection down; the threads then close their descriptors and end.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        clients.withLock { clients in
            for client in clients { shutdown(client, Int32(SHUT_RDWR)) }
        }
    }
}
