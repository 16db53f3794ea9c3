import NIOCore

/// Pairs each group of RESP commands written to Redis with its replies, in order (Redis answers in order).
///
/// One promise per group, not per command: a `/pipeline` of 100 commands costs one promise and one
/// callback, and the replies arrive as one array in the order of the group's commands.
final class RESPClientHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = RESPRequest
    typealias OutboundOut = ByteBuffer

    /// A group whose replies are still coming.
    private struct Waiting {
        var expected: Int
        var replies: [RESPValue]
        let promise: EventLoopPromise<[RESPValue]>
    }

    private var waiting = CircularBuffer<Waiting>()
    private var buffer: ByteBuffer?
    private var closed = false

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        // After channelInactive nothing would ever answer (or fail) a group queued now.
        guard !closed else {
            request.replies.fail(RESPConnectionError.closed)
            promise?.fail(RESPConnectionError.closed)
            return
        }
        var encoded = context.channel.allocator.buffer(capacity: 64)
        for command in request.commands {
            RESPEncoder.encode(command, into: &encoded)
        }
        var group = Waiting(expected: request.commands.count, replies: [], promise: request.replies)
        group.replies.reserveCapacity(request.commands.count)
        waiting.append(group)
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
                guard !waiting.isEmpty else {
                    throw RESPParser.ProtocolError(description: "a reply arrived with no command waiting")
                }
                let first = waiting.startIndex
                waiting[first].replies.append(value)
                if waiting[first].replies.count == waiting[first].expected {
                    let done = waiting.removeFirst()
                    done.promise.succeed(done.replies)
                }
            }
            if buffer!.readableBytes == 0 { buffer = nil } else { buffer!.discardReadBytes() }
        } catch {
            failAll(error)
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        failAll(RESPConnectionError.closed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(error)
        context.close(promise: nil)
    }

    private func failAll(_ error: any Error) {
        while let group = waiting.popFirst() { group.promise.fail(error) }
    }
}

/// Commands to write in one go (never interleaved with another request's), with one promise for all
/// their replies.
struct RESPRequest {
    var commands: [[[UInt8]]]
    var replies: EventLoopPromise<[RESPValue]>
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
