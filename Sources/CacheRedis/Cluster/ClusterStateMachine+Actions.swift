extension ClusterStateMachine {
    /// What the caller must do next with one request.
    enum RequestAction: Hashable, Sendable {
        /// Send the command to this node; with `asking`, send `ASKING` right before it on the same
        /// connection (an `ASK` redirection).
        case send(to: ClusterNodeAddress, asking: Bool)
        /// Wait this long, then call ``ClusterStateMachine/route(_:now:)`` again (the map may have changed).
        case wait(Duration)
        /// The reply is the answer: hand it to the caller.
        case deliver
        /// Give the request up (the cache falls back).
        case fail(ClusterRequestFailure)
    }

    /// Which nodes to ask for a fresh topology: the caller asks them (`CLUSTER SHARDS`, or `CLUSTER SLOTS`
    /// on older servers), merges the views in a ``ClusterTopologyElection``, and reports back with
    /// ``ClusterStateMachine/refreshSucceeded(_:order:now:)`` or
    /// ``ClusterStateMachine/refreshFailed(order:now:)``, handing this order back.
    struct RefreshOrder: Hashable, Sendable {
        /// Known primaries first, then replicas, then the configured seeds, each once.
        var candidates: [ClusterNodeAddress]
        /// Which refresh this is, so a late report of one already given up on is not mistaken for the
        /// running one's.
        var generation: Int
    }

    /// A request's next step, and a refresh to start now when one is due (at most one runs at a time).
    struct Decision: Hashable, Sendable {
        /// The request's next step.
        var action: RequestAction
        /// A refresh to start now (in the background), or nil.
        var refresh: RefreshOrder?
    }
}
