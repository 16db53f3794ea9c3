import Synchronization

/// When each cluster action of a run started and completed. Written by the background tasks that run the actions,
/// read once the run is over.
final class ClusterOperationLog: Sendable {
    /// One cluster action as it ran.
    struct Entry: Sendable {
        var action: ClusterAction
        /// Milliseconds since the run started.
        var startedAt: Double
        var completedAt: Double
        var error: String?
    }

    private let entries = Mutex<[Entry]>([])

    /// Notes an action that ended, well or not.
    func record(_ entry: Entry) {
        entries.withLock { $0.append(entry) }
    }

    /// Waits for `previous`, runs `action`, and logs when it started and ended; returns its failure, if any.
    func run(
        _ action: ClusterAction, on cluster: ClusterSide, after previous: Task<String?, Never>?,
        runStart start: ContinuousClock.Instant
    ) async -> String? {
        if let previous { _ = await previous.value }
        func milliseconds() -> Double {
            let elapsed = ContinuousClock.now - start
            return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        }
        let began = milliseconds()
        var failure: String?
        do {
            try await cluster.perform(action)
        } catch {
            failure = "\(action.name) failed: \(error)"
        }
        record(Entry(action: action, startedAt: began, completedAt: milliseconds(), error: failure))
        return failure
    }

    /// The actions in the order they ended.
    var all: [Entry] { entries.withLock { $0 } }
}

/// The cluster-specific state of a ``VariantRunner``.
struct ClusterRunState {
    let log = ClusterOperationLog()
    /// The action started last: the next one waits for it, so actions run one after the other in file order.
    var lastOperation: Task<String?, Never>?
    /// Each node's counters when the requests began.
    var startStatistics: [ClusterNodeStatistics?] = []
    /// Each node proxy's accepted connections when the requests began.
    var startConnections: [Int] = []
}
