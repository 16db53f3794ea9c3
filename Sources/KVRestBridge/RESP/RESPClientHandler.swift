import NIOCore

/// Pairs each RESP command written to Redis with its reply, in order (Redis answers in order).
final class RESPClientHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = RESPRequest
    typealias OutboundOut = ByteBuffer

    private var waiting = CircularBuffer<EventLoopPromise<RESPValue>>()
    private var buffer: ByteBuffer?

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        var encoded = context.channel.allocator.buffer(capacity: 64)
        for command in request.commands {
            RESPEncoder.encode(command, into: &encoded)
        }
        waiting.append(contentsOf: request.replies)
        context.write(wrapOutboundOut(encoded), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if buffer == nil {
            buffer = incoming
        } else {
            buffer!.writeBuffer(&incoming)
        }
        do {
            while let value = try RESPParser.parse(&buffer!) {
                guard let promise = waiting.popFirst() else {
                    throw RESPParser.ProtocolError(description: "a reply arrived with no command waiting")
                }
                promise.succeed(value)
            }
            if buffer!.readableBytes == 0 { buffer = nil } else { buffer!.discardReadBytes() }
        } catch {
            failAll(error)
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(RESPConnectionError.closed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(error)
        context.close(promise: nil)
    }

    private func failAll(_ error: any Error) {
        while let promise = waiting.popFirst() { promise.fail(error) }
    }
}

/// Commands to write in one go, with one promise per command for its reply.
struct RESPRequest {
    var commands: [[[UInt8]]]
    var replies: [EventLoopPromise<RESPValue>]
}

/// Why a command got no reply from Redis.
public enum RESPConnectionError: Error, CustomStringConvertible {
    /// The connection closed before the reply came.
    case closed

    /// A readable explanation.
    public var description: String { "the connection to redis-server closed" }
}

/// Encodes a command as a RESP array of bulk strings.
enum RESPEncoder {
    static func encode(_ command: [[UInt8]], into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "*"))
        buffer.writeString(String(command.count))
        buffer.writeStaticString("\r\n")
        for argument in command {
            buffer.writeInteger(UInt8(ascii: "$"))
            buffer.writeString(String(argument.count))
            buffer.writeStaticString("\r\n")
            buffer.writeBytes(argument)
            buffer.writeStaticString("\r\n")
        }
    }
}
