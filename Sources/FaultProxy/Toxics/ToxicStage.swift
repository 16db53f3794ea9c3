import NIOCore

/// What flows through a direction of a connection: bytes, then possibly the end of the stream (a half-close).
enum PipeItem {
    case data(ByteBuffer)
    case end

    var byteCount: Int {
        if case .data(let buffer) = self { return buffer.readableBytes }
        return 0
    }
}

/// One toxic applied to one direction of one connection. Lives on the connection's event loop only.
///
/// A stage receives items from the stage before it (or the reading side) and passes them on through `emit`, which the
/// pipe re-links whenever the chain changes.
protocol ToxicStage: AnyObject {
    /// Where this stage's output goes; set by the pipe.
    var emit: (PipeItem) -> Void { get set }
    /// Called once the stage is linked into the chain (timers that run from that moment start here).
    func start()
    /// Takes one item from upstream in the chain.
    func receive(_ item: PipeItem)
    /// Stops the stage (cancels its timers) and hands back what it still holds, oldest first.
    func stop() -> [PipeItem]
}

/// What a stage may ask of the direction it sits in.
protocol ToxicStageHost: AnyObject {
    var eventLoop: any EventLoop { get }
    /// The direction's seeded random source.
    var random: SplitMix64 { get set }
    /// Flushes what was written to the receiving side (after a timer released data).
    func flushSink()
    /// Closes both sides of the connection after what was already written is flushed.
    func closeConnection()
    /// Resets both sides of the connection (TCP RST).
    func resetConnection()
    /// Tracks bytes held in stages, to stop reading when too much is queued.
    func adjustQueuedBytes(by delta: Int)
}
