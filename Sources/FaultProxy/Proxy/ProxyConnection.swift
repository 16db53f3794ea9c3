import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// One proxied connection: the client leg, the server leg and the two directions between them.
///
/// Both legs live on the same event loop, so everything here runs on that loop without locks.
final class ProxyConnection {
    let id: Int
    let clientSide: ProxySideHandler
    let serverSide: ProxySideHandler
    let upstreamPipe: DirectionPipe
    let downstreamPipe: DirectionPipe
    private var closedSides: Set<ProxySideHandler.Side> = []
    /// Present while RESP-aware toxics affect this connection (or while it still holds bytes for them).
    private var respFilter: RESPFaultFilter?
    /// The RESP-aware toxics that reached this connection, with the outcome of their toxicity roll.
    private var respToxics: [(toxic: Toxic, affected: Bool)] = []
    /// Whether any byte has passed yet. A RESP filter must see a connection from its first command: one
    /// started on a live connection could not tell which replies answer commands already in flight, and
    /// would pair an injected error or a dropped reply with the wrong command.
    private var hasCarriedTraffic = false
    private var respRandom: SplitMix64
    private var isClosed: Bool { closedSides.count == 2 }

    init(id: Int, eventLoop: any EventLoop, seed: UInt64) {
        self.id = id
        clientSide = ProxySideHandler(side: .client)
        serverSide = ProxySideHandler(side: .server)
        upstreamPipe = DirectionPipe(
            stream: .upstream, eventLoop: eventLoop, seed: SplitMix64.derive(seed, 1))
        downstreamPipe = DirectionPipe(
            stream: .downstream, eventLoop: eventLoop, seed: SplitMix64.derive(seed, 2))
        respRandom = SplitMix64(seed: SplitMix64.derive(seed, 3))
        clientSide.connection = self
        serverSide.connection = self
        upstreamPipe.connection = self
        downstreamPipe.connection = self
    }

    /// Applies the proxy's current toxics to both directions.
    func apply(_ toxics: [Toxic]) {
        guard !isClosed else { return }
        upstreamPipe.apply(toxics)
        downstreamPipe.apply(toxics)
        applyRESPFaults(toxics.filter(\.kind.isRESPFault))
    }

    private func applyRESPFaults(_ toxics: [Toxic]) {
        let previous = respToxics
        respToxics = toxics.map { toxic in
            if let old = previous.first(where: { $0.toxic == toxic }) { return old }
            return (toxic, respRandom.nextUnitInterval() < toxic.toxicity)
        }
        let affecting = respToxics.filter(\.affected).map(\.toxic.kind)
        var errorFault: (reply: RESPErrorReply, every: Int)?
        var dropEvery: Int?
        for kind in affecting {
            switch kind {
            case .respError(let reply, let every) where errorFault == nil: errorFault = (reply, every)
            case .respDropReply(let every) where dropEvery == nil: dropEvery = every
            default: break
            }
        }
        if errorFault != nil || dropEvery != nil, respFilter == nil {
            guard !hasCarriedTraffic else { return }
            respFilter = RESPFaultFilter()
        }
        respFilter?.errorFault = errorFault
        respFilter?.dropEvery = dropEvery
        retireRESPFilterIfDone()
    }

    /// Drops the filter once no RESP toxic needs it and it holds nothing, restoring the plain fast path.
    private func retireRESPFilterIfDone() {
        if let filter = respFilter, !filter.isActive, filter.isIdle {
            respFilter = nil
        }
    }

    private func pipe(readFrom side: ProxySideHandler.Side) -> DirectionPipe {
        side == .client ? upstreamPipe : downstreamPipe
    }

    private func handler(writingTo stream: Toxic.Stream) -> ProxySideHandler {
        stream == .upstream ? serverSide : clientSide
    }

    private func other(_ side: ProxySideHandler.Side) -> ProxySideHandler {
        side == .client ? serverSide : clientSide
    }

    // MARK: From the legs

    @inline(__always)
    func received(_ item: PipeItem, from side: ProxySideHandler.Side) {
        hasCarriedTraffic = true
        guard let filter = respFilter else {
            pipe(readFrom: side).receive(item)
            return
        }
        switch side {
        case .client: filter.fromClient(item, upstream: upstreamPipe, downstream: downstreamPipe)
        case .server: filter.fromServer(item, upstream: upstreamPipe, downstream: downstreamPipe)
        }
        retireRESPFilterIfDone()
    }

    func readComplete(from side: ProxySideHandler.Side) {
        other(side).flushIfNeeded()
        if respFilter != nil {
            // Injected error replies go back to the side that was read.
            serverSide.flushIfNeeded()
            clientSide.flushIfNeeded()
        }
    }

    func mayRead(_ side: ProxySideHandler.Side) -> Bool {
        other(side).isWritable && !pipe(readFrom: side).isPaused
    }

    func writabilityChanged(of side: ProxySideHandler.Side) {
        other(side).resumeReadingIfPossible()
    }

    func sideBecameActive(_ side: ProxySideHandler.Side) {
        // The server leg starts reading only once the client leg can take what it reads.
        if side == .client, let channel = serverSide.context?.channel {
            channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in channel.close(promise: nil) }
        }
    }

    func sideClosed(_ side: ProxySideHandler.Side) {
        guard closedSides.insert(side).inserted else { return }
        if isClosed {
            upstreamPipe.stopAll()
            downstreamPipe.stopAll()
            return
        }
        // Nothing can be written to the closed leg any more, but what it sent before closing still goes through
        // its direction's toxics to the other leg, followed by the end of the stream.
        pipe(readFrom: other(side).side).stopAll()
        received(.end, from: side)
        other(side).flushIfNeeded()
    }

    // MARK: From the pipes

    @inline(__always)
    func deliver(_ item: PipeItem, on stream: Toxic.Stream) {
        let sink = handler(writingTo: stream)
        if case .end = item, closedSides.contains(other(sink.side).side) {
            // The leg this stream came from is gone entirely: close the receiving leg once its writes are out.
            sink.closeAfterPendingWrites()
        } else {
            sink.write(item)
        }
    }

    func flush(_ stream: Toxic.Stream) {
        handler(writingTo: stream).flushIfNeeded()
    }

    func readingMayResume(for stream: Toxic.Stream) {
        (stream == .upstream ? clientSide : serverSide).resumeReadingIfPossible()
    }

    /// Closes both legs once what was written to them has been sent.
    func closeGracefully() {
        for side in [clientSide, serverSide] {
            side.flushIfNeeded()
            guard let channel = side.context?.channel else { continue }
            channel.close(mode: .output).whenComplete { _ in channel.close(promise: nil) }
        }
    }

    /// Closes both legs at once, dropping what is queued (the proxy was disabled or deleted).
    func closeImmediately() {
        clientSide.context?.close(promise: nil)
        serverSide.context?.close(promise: nil)
    }

    /// Resets both legs: SO_LINGER 0 then close sends a TCP RST instead of a FIN.
    func reset() {
        for side in [clientSide, serverSide] {
            guard let channel = side.context?.channel else { continue }
            if let provider = channel as? any SocketOptionProvider {
                provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
            } else {
                channel.close(promise: nil)
            }
        }
    }
}
