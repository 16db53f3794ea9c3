import NIOCore

/// Pairs each group of RESP commands written to Redis with its replies, in order (Redis answers in order).
///
/// One completion per group, not per command: a `/pipeline` of 100 commands costs one callback, which gets
/// the group's replies as one slice of the bytes redis-server sent. Nothing is parsed into values here
/// (``RESPReplyScanner`` only finds where replies end): the bridge writes JSON straight from those bytes.
///
/// Groups are handed to ``enqueue(_:count:completion:)`` directly by their ``RESPConnection`` on the
/// channel's event loop, not through `channel.write`, so a request costs no `NIOAny` box and no promise.
final class RESPClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Called on the event loop with the group's replies (exactly `count` of them), or why none came.
    typealias Completion = (Result<ByteBuffer, any Error>) -> Void

    /// A group whose replies are still coming.
    private struct Waiting {
        var expected: Int
        let completion: Completion
    }

    private var context: ChannelHandlerContext?
    private var waiting = CircularBuffer<Waiting>()
    private var buffer: ByteBuffer?
    /// Replies of the first waiting group already found complete, and how many bytes they take from the
    /// buffer's reader index (scanning resumes after them when more bytes arrive).
    private var scannedReplies = 0
    private var scannedBytes = 0
    private var closed = false

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    /// Queues `commands` (`count` RESP commands, already encoded) as one write, not flushed: the caller
    /// flushes once for every group of the tick.
    func enqueue(_ commands: ByteBuffer, count: Int, completion: @escaping Completion) {
        // After channelInactive nothing would ever answer (or fail) a group queued now.
        guard !closed, let context else {
            completion(.failure(RESPConnectionError.closed))
            return
        }
        guard count > 0 else {
            completion(.success(ByteBuffer()))
            return
        }
        waiting.append(Waiting(expected: count, completion: completion))
        context.write(wrapOutboundOut(commands), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if buffer == nil {
            buffer = incoming
        } else {
            buffer!.writeBuffer(&incoming)
        }
        do {
            while let group = try nextCompleteGroup() {
                // Called with no access to this handler's state held: the completion answers an HTTP
                // request, which may hand the next pipelined request in and enqueue more commands here.
                group.completion(.success(group.replies))
            }
        } catch {
            failAll(error)
            context.close(promise: nil)
        }
    }

    /// The first waiting group when all its replies are in the buffer, removed from the queue.
    private func nextCompleteGroup() throws -> (replies: ByteBuffer, completion: Completion)? {
        guard var current = buffer else { return nil }
        guard let first = waiting.first else {
            if current.readableBytes > 0 {
                throw RESPReplyScanner.ProtocolError(description: "a reply arrived with no command waiting")
            }
            buffer = nil
            return nil
        }
        let (replies, bytes) = try current.withUnsafeReadableBytes { raw throws(RESPReplyScanner.ProtocolError) -> (Int, Int) in
            var replies = scannedReplies
            var bytes = scannedBytes
            while replies < first.expected, let end = try RESPReplyScanner.end(of: raw, at: bytes) {
                replies += 1
                bytes = end
            }
            return (replies, bytes)
        }
        guard replies == first.expected else {
            scannedReplies = replies
            scannedBytes = bytes
            return nil
        }
        scannedReplies = 0
        scannedBytes = 0
        buffer = nil  // one owner of the storage while it moves, so no copy
        let slice = current.readSlice(length: bytes)!
        if current.readableBytes > 0 {
            // Reclaims the space of replies already handed out once it is large (rare: a reply read usually
            // ends with its tick).
            if current.readerIndex > 16 << 10 { current.discardReadBytes() }
            buffer = current
        }
        _ = waiting.removeFirst()
        return (slice, first.completion)
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
        buffer = nil
        scannedReplies = 0
        scannedBytes = 0
        while let group = waiting.popFirst() { group.completion(.failure(error)) }
    }
}

/// Why a command got no reply from Redis.
public enum RESPConnectionError: Error, CustomStringConvertible {
    /// The connection closed before the reply came.
    case closed

    /// A readable explanation.
    public var description: String { "the connection to redis-server closed" }
}
