import NIOCore

/// A stage that holds items until the release time its policy gives them (latency, bandwidth, slicer, slow_close).
final class TimedQueueStage<Policy: ReleasePolicy>: ToxicStage {
    var emit: (PipeItem) -> Void = { _ in }
    private weak var host: (any ToxicStageHost)?
    private var policy: Policy
    private var queue = CircularBuffer<(item: PipeItem, releaseAt: UInt64)>()
    private var timer: Scheduled<Void>?
    private var stopped = false

    init(policy: Policy, host: any ToxicStageHost) {
        self.policy = policy
        self.host = host
    }

    func start() {}

    func receive(_ item: PipeItem) {
        guard let host, !stopped else { return }
        let now = NIODeadline.now().uptimeNanoseconds
        switch item {
        case .data(var buffer):
            let pieces = policy.pieces(byteCount: buffer.readableBytes, arrivedAt: now, random: &host.random)
            if pieces.count == 1 {
                enqueue(.data(buffer), releaseAt: pieces[0].releaseAt, now: now, host: host)
            } else {
                for piece in pieces {
                    guard let slice = buffer.readSlice(length: piece.byteCount) else { break }
                    enqueue(.data(slice), releaseAt: piece.releaseAt, now: now, host: host)
                }
            }
        case .end:
            enqueue(.end, releaseAt: policy.endReleaseTime(arrivedAt: now, random: &host.random), now: now, host: host)
        }
    }

    private func enqueue(_ item: PipeItem, releaseAt: UInt64, now: UInt64, host: any ToxicStageHost) {
        if queue.isEmpty, releaseAt <= now {
            emit(item)
            return
        }
        queue.append((item, releaseAt))
        host.adjustQueuedBytes(by: item.byteCount)
        scheduleHead(host: host)
    }

    private func scheduleHead(host: any ToxicStageHost) {
        guard timer == nil, let head = queue.first else { return }
        timer = host.eventLoop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(head.releaseAt)) {
            [weak self] in
            self?.release()
        }
    }

    private func release() {
        timer = nil
        guard let host, !stopped else { return }
        let now = NIODeadline.now().uptimeNanoseconds
        var released = 0
        while !stopped, let head = queue.first, head.releaseAt <= now {
            queue.removeFirst()
            released += head.item.byteCount
            emit(head.item)
        }
        host.adjustQueuedBytes(by: -released)
        host.flushSink()
        if !stopped { scheduleHead(host: host) }
    }

    func stop() -> [PipeItem] {
        stopped = true
        timer?.cancel()
        timer = nil
        let items = queue.map(\.item)
        host?.adjustQueuedBytes(by: -items.reduce(0) { $0 + $1.byteCount })
        queue.removeAll()
        return items
    }
}
