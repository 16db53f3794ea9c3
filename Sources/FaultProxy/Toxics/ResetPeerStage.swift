import NIOCore

/// `reset_peer`: once data arrives on the stream, drops it and resets the connection (TCP RST) after `timeout` ms,
/// as Toxiproxy does.
///
/// Once armed, the reset always happens: Toxiproxy's toxic sleeps through an interrupt, so its removal waits for
/// the reset. Removing an armed stage therefore resets at once. Cancelling it instead would let the connection
/// carry on with the swallowed bytes missing, which pairs replies with the wrong commands.
final class ResetPeerStage: ToxicStage {
    var emit: (PipeItem) -> Void = { _ in }
    private weak var host: (any ToxicStageHost)?
    private let timeout: Int
    private var timer: Scheduled<Void>?
    private var armed = false

    init(timeoutMilliseconds: Int, host: any ToxicStageHost) {
        timeout = timeoutMilliseconds
        self.host = host
    }

    func start() {}

    func receive(_ item: PipeItem) {
        guard !armed, let host else { return }
        armed = true
        timer = host.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(timeout))) { [weak self] in
            self?.timer = nil
            self?.host?.resetConnection()
        }
    }

    func stop() -> [PipeItem] {
        if let timer {
            timer.cancel()
            self.timer = nil
            host?.resetConnection()
        }
        return []
    }
}
