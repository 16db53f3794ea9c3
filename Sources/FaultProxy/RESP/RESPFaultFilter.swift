import NIOCore

/// The RESP-aware faults of one connection: it cuts the client's bytes into commands and the server's into replies,
/// so that it can answer a command with an error in place of the server, or drop the reply of a command that ran,
/// while every other reply keeps its order. Lives on the connection's event loop.
///
/// RESP2 pub/sub and MONITOR send messages that answer no command; the filter does not follow them (RESP3 pushes are
/// recognised and passed through).
final class RESPFaultFilter {
    private enum Expectation {
        case forward
        case drop
        case inject(ByteBuffer)
    }

    /// The error to answer and how often (every n-th command), when set.
    var errorFault: (reply: RESPErrorReply, every: Int)?
    /// Drop the reply of every n-th command, when set.
    var dropEvery: Int?

    private var commandNumber = 0
    private var requestBytes = ByteBuffer()
    private var replyBytes = ByteBuffer()
    private var expectations = CircularBuffer<Expectation>()
    /// Set when the bytes turned out not to be RESP: from then on everything passes unchanged.
    private var gaveUp = false

    var isActive: Bool { errorFault != nil || dropEvery != nil }

    /// Nothing is held or awaited: the filter can be removed without changing the stream.
    var isIdle: Bool { expectations.isEmpty && requestBytes.readableBytes == 0 && replyBytes.readableBytes == 0 }

    /// Bytes (or the end) from the client: commands go on to `upstream`, injected errors to `downstream`.
    func fromClient(_ item: PipeItem, upstream: DirectionPipe, downstream: DirectionPipe) {
        guard case .data(let buffer) = item else {
            if requestBytes.readableBytes > 0 { upstream.receive(.data(requestBytes)) }
            requestBytes.clear()
            upstream.receive(.end)
            return
        }
        guard !gaveUp else { return upstream.receive(item) }
        requestBytes.writeImmutableBuffer(buffer)
        while requestBytes.readableBytes > 0 {
            let found = requestBytes.withUnsafeReadableBytes { RESPScanner.command(in: $0) }
            guard case .complete(let length) = found else {
                if found == .invalid { giveUp(upstream: upstream, downstream: downstream) }
                break
            }
            guard let command = requestBytes.readSlice(length: length) else { break }
            if command.withUnsafeReadableBytes({ RESPScanner.isBlankInline($0) }) {
                upstream.receive(.data(command))
                continue
            }
            commandNumber += 1
            if let fault = errorFault, commandNumber % max(1, fault.every) == 0 {
                let reply = ByteBuffer(string: fault.reply.reply)
                if expectations.isEmpty {
                    downstream.receive(.data(reply))
                } else {
                    expectations.append(.inject(reply))
                }
                continue
            }
            upstream.receive(.data(command))
            if let every = dropEvery, commandNumber % max(1, every) == 0 {
                expectations.append(.drop)
            } else {
                expectations.append(.forward)
            }
        }
        compact(&requestBytes)
    }

    /// Bytes (or the end) from the server: replies go on to `downstream`, except dropped ones, with injected errors
    /// in their place in the order.
    func fromServer(_ item: PipeItem, upstream: DirectionPipe, downstream: DirectionPipe) {
        guard case .data(let buffer) = item else {
            if replyBytes.readableBytes > 0 { downstream.receive(.data(replyBytes)) }
            replyBytes.clear()
            flushInjections(to: downstream, all: true)
            downstream.receive(.end)
            return
        }
        guard !gaveUp else { return downstream.receive(item) }
        replyBytes.writeImmutableBuffer(buffer)
        while replyBytes.readableBytes > 0 {
            let found = replyBytes.withUnsafeReadableBytes { RESPScanner.reply(in: $0) }
            guard case .complete(let length) = found else {
                if found == .invalid {
                    // Not RESP after all: pass everything through from now on, including a partial command
                    // still held on the client side (it would otherwise never be forwarded).
                    downstream.receive(.data(replyBytes))
                    replyBytes.clear()
                    giveUp(upstream: upstream, downstream: downstream)
                }
                break
            }
            guard let reply = replyBytes.readSlice(length: length) else { break }
            if reply.getInteger(at: reply.readerIndex, as: UInt8.self) == UInt8(ascii: ">") {
                downstream.receive(.data(reply))
                continue
            }
            switch expectations.popFirst() ?? .forward {
            case .forward, .inject: downstream.receive(.data(reply))
            case .drop: break
            }
            flushInjections(to: downstream, all: false)
        }
        compact(&replyBytes)
    }

    /// Sends the injected errors now at the head of the order (all of them when the server side is gone).
    private func flushInjections(to downstream: DirectionPipe, all: Bool) {
        while let head = expectations.first {
            if case .inject(let reply) = head {
                expectations.removeFirst()
                downstream.receive(.data(reply))
            } else if all {
                expectations.removeFirst()
            } else {
                return
            }
        }
    }

    private func giveUp(upstream: DirectionPipe, downstream: DirectionPipe) {
        gaveUp = true
        if requestBytes.readableBytes > 0 { upstream.receive(.data(requestBytes)) }
        requestBytes.clear()
        flushInjections(to: downstream, all: true)
    }

    private func compact(_ buffer: inout ByteBuffer) {
        if buffer.readableBytes == 0 {
            buffer.clear()
        } else if buffer.readerIndex > 1 << 16 {
            buffer.discardReadBytes()
        }
    }
}
