/// What a cluster timeline event does to the Redis Cluster (`backend: redis-cluster`). Each runs in the
/// background while requests go on, one after the other in file order; the runner notes when each completes.
public enum ClusterAction: Sendable, Hashable, CustomStringConvertible {
    /// Kills primary `node` with SIGKILL; one of its replicas is promoted (completes when it serves the slots).
    case failover(node: Int)
    /// Moves `slots` slots from primary `from` to primary `to`, `slotsPerStep` at a time, each step held
    /// `holdMilliseconds` in migration so that clients meet `ASK`, then `MOVED` (completes when the cluster is
    /// healthy again).
    case reshard(slots: Int, from: Int, to: Int, holdMilliseconds: Int, slotsPerStep: Int)
    /// Restarts `node` on its port and directory (killed first when it runs; completes when it rejoined).
    case nodeRestart(node: Int)

    /// The action's name in scenario files.
    public var name: String {
        switch self {
        case .failover: return "cluster-failover"
        case .reshard: return "cluster-reshard"
        case .nodeRestart: return "cluster-node-restart"
        }
    }

    /// Every cluster action name.
    public static let allNames = ["cluster-failover", "cluster-reshard", "cluster-node-restart"]

    /// The action as the report's timeline shows it.
    public var description: String {
        switch self {
        case .failover(let node): return "cluster failover: primary node \(node) killed, its replica promoted"
        case .reshard(let slots, let from, let to, let hold, let step):
            return "cluster reshard: \(slots) slots from node \(from) to node \(to), \(step) at a time, each step held \(hold) ms in migration"
        case .nodeRestart(let node): return "cluster node \(node) restarted"
        }
    }
}
