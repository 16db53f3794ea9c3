import NIOCore

/// `limit_data`: passes the first `bytes` bytes of the stream, then closes the connection.
final class LimitDataStage: ToxicStage {
    var emit: (PipeItem) -> Void = { _ in }
    private weak var host: (any ToxicStageHost)?
    private var remaining: Int
    private var exhausted = false

    init(bytes: Int, host: any ToxicStageHost) {
        remaining = bytes
        self.host = host
    }

    func start() {}

    func receive(_ item: PipeItem) {
        guard !exhausted else { return }
        switch item {
        case .end:
            emit(item)
        case .data(var buffer):
            if buffer.readableBytes < remaining {
                remaining -= buffer.readableBytes
                emit(item)
                return
            }
            if remaining > 0, let head = buffer.readSlice(length: remaining) {
                emit(.data(head))
            }
            remaining = 0
            exhausted = true
            host?.closeConnection()
        }
    }

    func stop() -> [PipeItem] { [] }
}
