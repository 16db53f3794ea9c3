/// One node of a shard as a topology reply describes it.
struct ClusterNode: Hashable, Sendable {
    /// How the node reports its own health in `CLUSTER SHARDS` (`CLUSTER SLOTS` says nothing: `online`).
    enum Health: String, Hashable, Sendable {
        /// Serving.
        case online
        /// Marked failed by the cluster (a failover replaces a failed primary).
        case failed
        /// Loading its data set after a restart; not serving yet.
        case loading
    }

    /// The node's 40-character id, when the reply gave it.
    var id: String?
    /// Where to send it commands.
    var address: ClusterNodeAddress
    /// Its health as the answering node sees it.
    var health: Health

    /// A node from its parts; the health defaults to online.
    init(id: String?, address: ClusterNodeAddress, health: Health = .online) {
        self.id = id
        self.address = address
        self.health = health
    }
}
