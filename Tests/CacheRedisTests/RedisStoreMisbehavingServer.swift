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
        let (descriptor, port) = try LoopbackListenerSocket.make(backlog: 16)
        self.listener = descriptor
        self.port = port
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
