/// The Redis Cluster a `backend: redis-cluster` scenario runs against: the runner starts
/// `primaries × (1 + replicasPerPrimary)` redis-servers in cluster mode, a fault proxy in front of each.
public struct ClusterSpecification: Sendable, Hashable {
    /// Primaries (Redis Cluster needs at least 3).
    public var primaries: Int
    /// Replicas per primary (a `cluster-failover` needs at least 1).
    public var replicasPerPrimary: Int
    /// `cluster-node-timeout` in milliseconds: how long a primary may stay unreachable before its replica takes
    /// over. Small, so that a failover fits in a scenario's seconds.
    public var nodeTimeoutMilliseconds: Int

    /// Creates a specification.
    public init(primaries: Int = 3, replicasPerPrimary: Int = 0, nodeTimeoutMilliseconds: Int = 1000) {
        self.primaries = primaries
        self.replicasPerPrimary = replicasPerPrimary
        self.nodeTimeoutMilliseconds = nodeTimeoutMilliseconds
    }

    /// Nodes in all, numbered 0… in start order; `redis-cli` makes nodes 0..<primaries the primaries.
    public var nodeCount: Int { primaries * (1 + replicasPerPrimary) }
}
