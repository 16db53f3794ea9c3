import NIOCore

/// The handler at the end of one leg's pipeline (client or server side of a proxied connection).
///
/// Reads go into the connection's pipe for that direction; reading stops while the other leg is not writable or
/// the pipe holds too much (backpressure, as swift-nio's GlueHandler does).
final class ProxySideHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Which leg this handler sits on.
    enum Side {
        /// The accepted connection from the client.
        case client
        /// The connection the proxy opened to the upstream server.
        case server
    }

    let side: Side
    var connection: ProxyConnection?
    private(set) var context: ChannelHandlerContext?
    private var pendingRead = false
    private var needsFlush = false

    init(side: Side) {
        self.side = side
    }

    var isWritable: Bool { context?.channel.isWritable ?? false }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        // Breaks the handler <-> connection cycle once the leg is gone.
        connection = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        connection?.sideBecameActive(side)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        connection?.received(.data(unwrapInboundIn(data)), from: side)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        connection?.readComplete(from: side)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            connection?.received(.end, from: side)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection?.sideClosed(side)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        connection?.writabilityChanged(of: side)
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if connection?.mayRead(side) ?? true {
            context.read()
        } else {
            pendingRead = true
        }
    }

    // MARK: Driven by the connection

    /// Writes an item that left the pipe towards this leg.
    func write(_ item: PipeItem) {
        guard let context else { return }
        switch item {
        case .data(let buffer):
            context.write(wrapOutboundOut(buffer), promise: nil)
            needsFlush = true
        case .end:
            flushIfNeeded()
            context.close(mode: .output, promise: nil)
        }
    }

    /// Closes the leg after what was written to it has been sent.
    func closeAfterPendingWrites() {
        flushIfNeeded()
        guard let channel = context?.channel else { return }
        channel.close(mode: .output).whenComplete { _ in channel.close(promise: nil) }
    }

    func flushIfNeeded() {
        guard needsFlush, let context else { return }
        needsFlush = false
        context.flush()
    }

    /// Reads again if a read was held back and reading is allowed now.
    func resumeReadingIfPossible() {
        guard pendingRead, let context, connection?.mayRead(side) ?? true else { return }
        pendingRead = false
        context.read()
    }
}
