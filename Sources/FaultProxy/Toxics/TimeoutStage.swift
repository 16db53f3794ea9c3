import NIOCore

/// `timeout`: holds the stream's data, in order, and closes the connection after `timeout` ms, or holds it while
/// the toxic stays when 0. Removing the toxic hands what it held on, as Toxiproxy's toxic (which stops reading
/// rather than discarding) does: a live stream never resumes with bytes missing, because no TCP connection can.
final class TimeoutStage: ToxicStage {
    var emit: (PipeItem) -> Void = { _ in }
    private weak var host: (any ToxicStageHost)?
    private let timeout: Int
    private var timer: Scheduled<Void>?
    private var held: [PipeItem] = []

    init(timeoutMilliseconds: Int, host: any ToxicStageHost) {
        timeout = timeoutMilliseconds
        self.host = host
    }

    func start() {
        guard timeout > 0, let host else { return }
        timer = host.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(timeout))) { [weak self] in
            // The connection ends here; what was held never reaches the other side, so the stream it saw is a
            // prefix of what was sent, never a stream with a hole.
            self?.timer = nil
            self?.host?.closeConnection()
        }
    }

    func receive(_ item: PipeItem) {
        held.append(item)
        host?.adjustQueuedBytes(by: item.byteCount)
    }

    func stop() -> [PipeItem] {
        timer?.cancel()
        timer = nil
        let items = held
        held = []
        host?.adjustQueuedBytes(by: -items.reduce(0) { $0 + $1.byteCount })
        return items
    }
}
