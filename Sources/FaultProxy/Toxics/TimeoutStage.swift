import NIOCore

/// `timeout`: drops the stream's data; closes the connection after `timeout` ms, or holds it open while the toxic
/// stays when 0 (removing the toxic lets data through again).
final class TimeoutStage: ToxicStage {
    var emit: (PipeItem) -> Void = { _ in }
    private weak var host: (any ToxicStageHost)?
    private let timeout: Int
    private var timer: Scheduled<Void>?

    init(timeoutMilliseconds: Int, host: any ToxicStageHost) {
        timeout = timeoutMilliseconds
        self.host = host
    }

    func start() {
        guard timeout > 0, let host else { return }
        timer = host.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(timeout))) { [weak self] in
            self?.host?.closeConnection()
        }
    }

    func receive(_ item: PipeItem) {
        if case .end = item { emit(item) }
    }

    func stop() -> [PipeItem] {
        timer?.cancel()
        timer = nil
        return []
    }
}
