/// Why the cluster layer gave a request up; the store turns it into a KV failure (and the cache falls back
/// to memory), never into an answer.
enum ClusterRequestFailure: Error, Hashable, Sendable, CustomStringConvertible {
    /// No topology is known yet (discovery has not succeeded).
    case noTopology
    /// No shard serves the slot in the current topology.
    case slotUncovered(ClusterSlot)
    /// More `MOVED`/`ASK` hops than allowed: the nodes disagree, or the map keeps changing.
    case tooManyRedirections(Int)
    /// `TRYAGAIN` or `CLUSTERDOWN` more times than allowed.
    case retriesExhausted(ClusterRedirection)
    /// The deadline passed, or the next retry would end after it.
    case deadlineExceeded
    /// The node could not be reached (connection refused, reset, timed out).
    case nodeUnreachable(ClusterNodeAddress)

    var description: String {
        switch self {
        case .noTopology: "no cluster topology known yet"
        case .slotUncovered(let slot): "no shard serves slot \(slot)"
        case .tooManyRedirections(let count): "gave up after \(count) cluster redirections"
        case .retriesExhausted(let last): "gave up retrying after \(last)"
        case .deadlineExceeded: "deadline reached while following the cluster"
        case .nodeUnreachable(let node): "cluster node \(node) unreachable"
        }
    }
}
