import NIOCore

/// One direction of one connection: the chain of toxic stages between the side that reads and the side that writes.
///
/// With no active stage, items go straight to the writing side (no allocation, no scheduling). Lives on the
/// connection's event loop only.
final class DirectionPipe: ToxicStageHost {
    private struct Entry {
        var toxic: Toxic
        /// Nil when the toxicity roll left this connection unaffected.
        var stage: (any ToxicStage)?
    }

    /// Queued bytes above which the reading side stops reading, and below which it resumes.
    private static let highWaterMark = 4 << 20
    private static let lowWaterMark = 1 << 20

    let stream: Toxic.Stream
    let eventLoop: any EventLoop
    var random: SplitMix64
    /// The owning connection; pipes never outlive it (only it holds them), so no weak-reference cost per chunk.
    unowned var connection: ProxyConnection?
    private var entries: [Entry] = []
    private var head: (any ToxicStage)?
    private var queuedBytes = 0
    private(set) var isPaused = false
    /// The end of the stream was read; nothing more will come.
    private(set) var sawEnd = false
    /// The connection can no longer deliver this direction; everything is dropped.
    private var isStopped = false

    init(stream: Toxic.Stream, eventLoop: any EventLoop, seed: UInt64) {
        self.stream = stream
        self.eventLoop = eventLoop
        random = SplitMix64(seed: seed)
    }

    /// Takes an item from the reading side.
    @inline(__always)
    func receive(_ item: PipeItem) {
        if case .end = item {
            guard !sawEnd else { return }
            sawEnd = true
        }
        if let head {
            head.receive(item)
        } else {
            connection?.deliver(item, on: stream)
        }
    }

    /// Re-builds the chain for `toxics` (all of the proxy's, in insertion order), keeping unchanged stages and their
    /// queued data, and handing the data held by removed stages on, in order.
    func apply(_ toxics: [Toxic]) {
        guard !isStopped else { return }
        let oldEntries = entries
        var newEntries: [Entry] = []
        for toxic in toxics where toxic.stream == stream && toxic.kind.isStreamToxic {
            if let old = oldEntries.first(where: { $0.toxic.name == toxic.name }), old.toxic == toxic {
                newEntries.append(old)
                continue
            }
            let affected = random.nextUnitInterval() < toxic.toxicity
            newEntries.append(Entry(toxic: toxic, stage: affected ? makeStage(toxic.kind) : nil))
        }
        let survivors = Set(newEntries.compactMap { $0.stage.map(ObjectIdentifier.init) })
        let oldStages = oldEntries.compactMap(\.stage)
        let startedBefore = Set(oldStages.map(ObjectIdentifier.init))
        entries = newEntries
        link()
        for stage in entries.compactMap(\.stage) where !startedBefore.contains(ObjectIdentifier(stage)) {
            stage.start()
        }
        // Items held by a removed stage are older than anything in the stages before it, so the furthest stage is
        // drained first, into the next surviving stage (or the writing side).
        for index in oldStages.indices.reversed() where !survivors.contains(ObjectIdentifier(oldStages[index])) {
            let items = oldStages[index].stop()
            // Stopping an armed reset_peer resets the connection, which stops this pipe: nothing is left to hand on.
            guard !isStopped else { return }
            let next = oldStages[(index + 1)...].first { survivors.contains(ObjectIdentifier($0)) }
            for item in items {
                if let next { next.receive(item) } else { connection?.deliver(item, on: stream) }
            }
        }
        flushSink()
    }

    /// Stops every stage (the connection is gone).
    func stopAll() {
        isStopped = true
        for stage in entries.compactMap(\.stage) { _ = stage.stop() }
        entries = []
        head = nil
    }

    private func link() {
        let stages = entries.compactMap(\.stage)
        for (index, stage) in stages.enumerated() {
            if index + 1 < stages.count {
                let next = stages[index + 1]
                stage.emit = { [weak next] item in next?.receive(item) }
            } else {
                stage.emit = { [weak self] item in
                    guard let self else { return }
                    self.connection?.deliver(item, on: self.stream)
                }
            }
        }
        head = stages.first
    }

    private func makeStage(_ kind: ToxicKind) -> any ToxicStage {
        switch kind {
        case .latency(let latency, let jitter):
            TimedQueueStage(
                policy: LatencySchedule(latencyMilliseconds: latency, jitterMilliseconds: jitter), host: self)
        case .bandwidth(let rate):
            TimedQueueStage(policy: BandwidthPacer(rate: rate), host: self)
        case .slowClose(let delay):
            TimedQueueStage(policy: SlowCloseSchedule(delayMilliseconds: delay), host: self)
        case .timeout(let timeout):
            TimeoutStage(timeoutMilliseconds: timeout, host: self)
        case .resetPeer(let timeout):
            ResetPeerStage(timeoutMilliseconds: timeout, host: self)
        case .slicer(let averageSize, let sizeVariation, let delay):
            TimedQueueStage(
                policy: SlicerPlan(averageSize: averageSize, sizeVariation: sizeVariation, delayMicroseconds: delay),
                host: self)
        case .limitData(let bytes):
            LimitDataStage(bytes: bytes, host: self)
        case .respError, .respDropReply, .connectDelay:
            // Connection-wide, handled by RESPFaultFilter or ProxyRuntime; `apply` never gets here.
            LimitDataStage(bytes: .max, host: self)
        }
    }

    // MARK: ToxicStageHost

    func flushSink() {
        connection?.flush(stream)
    }

    func closeConnection() {
        connection?.closeGracefully()
    }

    func resetConnection() {
        connection?.reset()
    }

    func adjustQueuedBytes(by delta: Int) {
        queuedBytes += delta
        if !isPaused, queuedBytes > Self.highWaterMark {
            isPaused = true
        } else if isPaused, queuedBytes < Self.lowWaterMark {
            isPaused = false
            connection?.readingMayResume(for: stream)
        }
    }
}
