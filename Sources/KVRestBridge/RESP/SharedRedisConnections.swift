import CacheCore
import NIOCore

/// One ``SharedRedisConnection`` per event loop of the bridge's group, so that an HTTP connection reaches
/// Redis without leaving its own event loop (no thread hop), and a 2-core machine holds two Redis
/// connections however many HTTP clients there are.
final class SharedRedisConnections: Sendable {
    private let byLoop: [ObjectIdentifier: (loop: any EventLoop, connection: NIOLoopBoundBox<SharedRedisConnection>)]

    init(endpoint: RedisEndpoint, group: any EventLoopGroup) {
        var byLoop: [ObjectIdentifier: (loop: any EventLoop, connection: NIOLoopBoundBox<SharedRedisConnection>)] = [:]
        for loop in group.makeIterator() {
            let box = NIOLoopBoundBox.makeBoxSendingValue(SharedRedisConnection(endpoint: endpoint, eventLoop: loop), eventLoop: loop)
            byLoop[ObjectIdentifier(loop)] = (loop, box)
        }
        self.byLoop = byLoop
    }

    /// The connection of `loop`, called on `loop`; `nil` for a loop the group did not list at start-up
    /// (never expected with NIO's groups), whose caller then needs a connection of its own.
    func connection(on loop: any EventLoop) -> SharedRedisConnection? {
        byLoop[ObjectIdentifier(loop)]?.connection.value
    }

    /// Closes every connection.
    func shutdown() async {
        for (loop, box) in byLoop.values {
            try? await loop.submit { box.value.shutdown() }.get()
        }
    }
}
