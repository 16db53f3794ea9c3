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

    /// A request for `slot` that must finish by `deadline`.
    init(slot: ClusterSlot, deadline: ContinuousClock.Instant) {
        self.slot = slot
        self.deadline = deadline
    }

    /// A request for the slot of `key`.
    init(key: String, deadline: ContinuousClock.Instant) {
        self.init(slot: ClusterSlot(key: key), deadline: deadline)
    }
}
