import NIOCore
import NIOPosix
import Synchronization

/// A test client over a real socket: sends bytes and collects what arrives, without blocking any thread.
final class TestConnection: Sendable {
    /// How a connection ended, as seen by the client.
    enum Ending: Equatable {
        case stillOpen
        case endOfStream
        case failed(errno: Int32?)
    }

    private struct Inbox {
        var bytes: [UInt8] = []
        var endOfStream = false
        var error: (any Error)?
        var inactive = false
    }

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let inbox: Mutex<Inbox>

        init() {
            inbox = Mutex(Inbox())
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
            inbox.withLock { $0.bytes += bytes }
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if let event = event as? ChannelEvent, event == .inputClosed {
                inbox.withLock { $0.endOfStream = true }
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            inbox.withLock { if $0.error == nil { $0.error = error } }
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            inbox.withLock { $0.inactive = true }
        }
    }

    let channel: any Channel
    private let collector: Collector

    private init(channel: any Channel, collector: Collector) {
        self.channel = channel
        self.collector = collector
    }

    /// Connects to 127.0.0.1:`port`.
    static func connect(port: Int) async throws -> TestConnection {
        let collector = Collector()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return TestConnection(channel: channel, collector: collector)
    }

    func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    func send(_ text: String) async throws {
        try await send(Array(text.utf8))
    }

    /// Half-closes: the peer sees the end of the stream.
    func shutdownOutput() async throws {
        try await channel.close(mode: .output)
    }

    var receivedCount: Int { collector.inbox.withLock { $0.bytes.count } }

    var receivedBytes: [UInt8] { collector.inbox.withLock { $0.bytes } }

    var ending: Ending {
        collector.inbox.withLock { inbox in
            if let error = inbox.error {
                return .failed(errno: (error as? IOError)?.errnoCode)
            }
            if inbox.endOfStream || inbox.inactive { return .endOfStream }
            return .stillOpen
        }
    }

    /// Waits until at least `count` bytes arrived (or the connection ended) and returns all received bytes.
    @discardableResult
    func waitForBytes(_ count: Int, timeout: Duration = .seconds(10)) async throws -> [UInt8] {
        try await waitUntil(timeout: timeout) { receivedCount >= count || ending != .stillOpen }
        return receivedBytes
    }

    /// Waits until `text` arrived in full.
    func waitForText(_ text: String, timeout: Duration = .seconds(10)) async throws -> String {
        let bytes = try await waitForBytes(text.utf8.count, timeout: timeout)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Waits until the connection ended (end of stream, reset, close), or the timeout passed.
    func waitForEnding(timeout: Duration = .seconds(10)) async throws -> Ending {
        try await waitUntil(timeout: timeout) { ending != .stillOpen }
        return ending
    }

    func close() {
        channel.close(promise: nil)
    }
}

/// Polls `condition` every few milliseconds until it holds or `timeout` passes (then returns; callers check).
func waitUntil(timeout: Duration, _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while !condition(), ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(5))
    }
}
