/// One keyed command's way through the cluster: which slot it needs, until when it may try, and what has
/// happened to it so far. The caller keeps it while the request runs and hands it to every
/// ``ClusterStateMachine`` event about that request.
struct ClusterRequest: Sendable {
    /// The slot of the command's key.
    let slot: ClusterSlot
    /// The request's deadline (the cache's KV deadline): no redirect or retry is started past it.
    let deadline: ContinuousClock.Instant
    /// `MOVED` and `ASK` replies followed so far.
    var redirections = 0
    /// `TRYAGAIN` and `CLUSTERDOWN` replies waited out so far.
    var retries = 0
    /// Whether a replica of the slot's shard may serve it: a read, with replica reads switched on. Cleared
    /// once a replica failed it, so the retry goes to the primary.
    var readFromReplica: Bool
    /// The replica the request was last routed to (nil when it went to a primary or a redirection's node):
    /// how the caller knows to send `READONLY` first, and how a failure of that node is told apart.
    var replica: ClusterNodeAddress?

    /// A request for `slot` that must finish by `deadline`; with `readFromReplica`, a read that a replica
    /// may serve.
    init(slot: ClusterSlot, deadline: ContinuousClock.Instant, readFromReplica: Bool = false) {
        self.slot = slot
        self.deadline = deadline
        self.readFromReplica = readFromReplica
    }

    /// A request for the slot of `key`.
    init(key: String, deadline: ContinuousClock.Instant, readFromReplica: Bool = false) {
        self.init(slot: ClusterSlot(key: key), deadline: deadline, readFromReplica: readFromReplica)
    }
}
