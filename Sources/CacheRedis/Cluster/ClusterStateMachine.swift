/// The cluster logic of a Redis Cluster store, apart from all I/O: it routes a request's slot to a node,
/// reads what `MOVED`, `ASK`, `TRYAGAIN`, `CLUSTERDOWN` and unreachable nodes mean for the request and
/// for the slot map, and decides when the topology is refreshed. It is a value driven by events, with the
/// time of each event passed in, so every transition is tested without sockets or sleeping.
///
/// - `MOVED`: the map entry is updated at once, the request goes to the new node, and a refresh is asked
///   for (the move rarely comes alone: a failover or a resharding moves many slots).
/// - `ASK`: the request goes to the named node once, preceded by `ASKING`; the map is left alone (the slot
///   still belongs to its old node until the migration ends).
/// - `TRYAGAIN`, `CLUSTERDOWN`: a bounded number of retries with exponential backoff, none that would end
///   past the request's deadline; `CLUSTERDOWN` also asks for a refresh.
/// - An unreachable node fails the request (the cache falls back; a failover takes longer than a request
///   may wait) and asks for a refresh, which finds the promoted replica.
/// - Replica reads (opt-in, per request): a read goes to the slot's shard's replicas not marked failed, in turn; a
///   replica that fails it rests a while and the read goes to the primary within its deadline.
/// - Refreshes: at most one in flight; one asked for while another runs starts after it; consecutive
///   ones are at least ``Configuration/minimumRefreshGap`` apart (doubling after failures up to
///   ``Configuration/refreshInterval``); and one runs every ``Configuration/refreshInterval`` regardless.
struct ClusterStateMachine: Sendable {
    /// Limits and intervals.
    struct Configuration: Hashable, Sendable {
        /// How often the topology is refreshed when nothing asks for it.
        var refreshInterval: Duration = .seconds(30)
        /// The least time between the starts of two refreshes asked for by redirections or failures.
        var minimumRefreshGap: Duration = .milliseconds(100)
        /// The most `MOVED`/`ASK` hops one request follows.
        var maximumRedirections = 5
        /// The most `TRYAGAIN`/`CLUSTERDOWN` retries of one request.
        var maximumRetries = 3
        /// The first retry's delay; each further retry doubles it.
        var retryBaseDelay: Duration = .milliseconds(10)
        /// The longest delay between retries.
        var retryMaximumDelay: Duration = .milliseconds(200)
        /// How long a refresh may run before ``ClusterStateMachine/tick(now:)`` counts it as failed, so a
        /// refresh whose outcome is never reported cannot stop refreshes for good.
        var refreshTimeout: Duration = .seconds(10)
        /// How long a replica that failed a read (unreachable, or answering `LOADING`/`MASTERDOWN`) is
        /// passed over by replica reads: its shard's reads go to the primary (or another replica) meanwhile.
        var replicaRetryAfter: Duration = .seconds(1)

        /// The defaults.
        init() {}
    }

    private enum RefreshState: Hashable, Sendable {
        case idle
        case inFlight(since: ContinuousClock.Instant, generation: Int)
    }

    /// The limits in force.
    let configuration: Configuration
    /// The current map, nil until the first refresh succeeds.
    private(set) var topology: ClusterTopology?
    /// The addresses the store was configured with, always among the refresh candidates.
    let seeds: [ClusterNodeAddress]

    private let createdAt: ContinuousClock.Instant
    private var refreshState = RefreshState.idle
    /// A redirection or failure asked for a refresh that has not started yet.
    private var refreshWanted: Bool
    private var lastRefreshStart: ContinuousClock.Instant?
    private var consecutiveRefreshFailures = 0
    /// Numbers refresh orders, so a report about a refresh already given up on is recognised and ignored.
    private var refreshGeneration = 0
    /// When the next refresh may start; nil while one runs. Precomputed, so routing checks one instant.
    private var nextRefreshAt: ContinuousClock.Instant?
    /// Turns replica reads among a shard's replicas.
    private var replicaTurn = 0
    /// Replicas that failed a read, until when they are passed over (see ``Configuration/replicaRetryAfter``).
    private var restingReplicas: [ClusterNodeAddress: ContinuousClock.Instant] = [:]

    /// A state machine that knows only its seeds: the first ``route(_:now:)`` or ``tick(now:)`` orders
    /// the discovery refresh.
    init(seeds: [ClusterNodeAddress], configuration: Configuration = Configuration(), now: ContinuousClock.Instant) {
        self.configuration = configuration
        self.seeds = seeds
        self.topology = nil
        self.createdAt = now
        self.refreshWanted = true
        self.nextRefreshAt = now
    }

    /// A state machine that starts from a known topology (discovered at start-up); the next periodic
    /// refresh is one interval after `now`.
    init(topology: ClusterTopology, seeds: [ClusterNodeAddress], configuration: Configuration = Configuration(), now: ContinuousClock.Instant) {
        self.configuration = configuration
        self.seeds = seeds
        self.topology = topology
        self.createdAt = now
        self.refreshWanted = false
        self.lastRefreshStart = now
        self.nextRefreshAt = now + configuration.refreshInterval
    }

    /// Whether a refresh is running.
    var isRefreshing: Bool {
        if case .inFlight = refreshState { return true }
        return false
    }

    // MARK: - Requests

    /// Where to send the request now: the primary of its slot by the current map, or for a replica read
    /// (``ClusterRequest/readFromReplica``) one of the shard's replicas not marked failed, in turn, passing over those
    /// resting after a failure; the primary when none is left.
    mutating func route(_ request: inout ClusterRequest, now: ContinuousClock.Instant) -> Decision {
        let action: RequestAction
        request.replica = nil
        if now >= request.deadline {
            action = .fail(.deadlineExceeded)
        } else if request.readFromReplica, let replica = pickReplica(for: request.slot, now: now) {
            request.replica = replica
            action = .send(to: replica, asking: false)
        } else if let primary = topology?.primary(for: request.slot) {
            // Optional chaining reads the map in place; binding `topology` to a local would copy it and
            // retain and release its arrays on every request.
            action = .send(to: primary, asking: false)
        } else if topology == nil {
            wantRefresh()
            action = .fail(.noTopology)
        } else {
            wantRefresh()
            action = .fail(.slotUncovered(request.slot))
        }
        return Decision(action: action, refresh: startRefreshIfDue(now: now))
    }

    /// The node answered. `redirection` is the reply read as a cluster redirection (nil for any other
    /// reply, which is then the answer).
    mutating func replyReceived(
        _ request: inout ClusterRequest, redirection: ClusterRedirection?, now: ContinuousClock.Instant
    ) -> Decision {
        guard let redirection else { return Decision(action: .deliver, refresh: nil) }
        // A redirection names a node that serves the slot; the request goes there, not to a replica.
        request.replica = nil
        let action: RequestAction
        switch redirection {
        case .moved(let slot, let node):
            if topology == nil { topology = try? ClusterTopology(shards: []) }
            topology?.assign(slot, to: node)
            wantRefresh()
            action = redirect(&request, to: node, asking: false, now: now)
        case .ask(_, let node):
            action = redirect(&request, to: node, asking: true, now: now)
        case .tryAgain:
            action = retry(&request, after: redirection, now: now)
        case .clusterDown:
            wantRefresh()
            action = retry(&request, after: redirection, now: now)
        }
        return Decision(action: action, refresh: startRefreshIfDue(now: now))
    }

    /// The node could not be reached or the connection broke before a reply: the request fails (the cache
    /// falls back) and a refresh is asked for, since a dead primary is what a failover replaces.
    ///
    /// When the node was the replica a read was routed to (the caller also reports a replica answering
    /// `LOADING` or `MASTERDOWN` here), the replica rests for ``Configuration/replicaRetryAfter`` and the
    /// read goes to the primary at once, within its deadline: a read is safe to repeat, and a replica is
    /// an extra, never the only copy.
    mutating func connectionFailed(
        _ request: inout ClusterRequest, node: ClusterNodeAddress, now: ContinuousClock.Instant
    ) -> Decision {
        wantRefresh()
        if request.replica == node {
            restingReplicas = restingReplicas.filter { $0.value > now }
            restingReplicas[node] = now + configuration.replicaRetryAfter
            request.readFromReplica = false
            return route(&request, now: now)
        }
        return Decision(action: .fail(.nodeUnreachable(node)), refresh: startRefreshIfDue(now: now))
    }

    /// One of the replicas (not marked failed) serving `slot`, in turn, passing over resting ones; nil when there is none.
    private mutating func pickReplica(for slot: ClusterSlot, now: ContinuousClock.Instant) -> ClusterNodeAddress? {
        guard let shard = topology?.shardIndex(for: slot), let replicas = topology?.replicas(ofShard: shard), !replicas.isEmpty else {
            return nil
        }
        replicaTurn = replicaTurn == Int.max ? 0 : replicaTurn + 1
        for offset in 0..<replicas.count {
            let candidate = replicas[(replicaTurn % replicas.count + offset) % replicas.count]
            if restingReplicas.isEmpty { return candidate }
            if let until = restingReplicas[candidate], until > now { continue }
            return candidate
        }
        return nil
    }

    private func redirect(
        _ request: inout ClusterRequest, to node: ClusterNodeAddress, asking: Bool, now: ContinuousClock.Instant
    ) -> RequestAction {
        request.redirections += 1
        guard request.redirections <= configuration.maximumRedirections else {
            return .fail(.tooManyRedirections(request.redirections))
        }
        guard now < request.deadline else { return .fail(.deadlineExceeded) }
        // An ASK is followed by this one send; the request's next route() goes by the map again.
        return .send(to: node, asking: asking)
    }

    private func retry(
        _ request: inout ClusterRequest, after redirection: ClusterRedirection, now: ContinuousClock.Instant
    ) -> RequestAction {
        request.retries += 1
        guard request.retries <= configuration.maximumRetries else { return .fail(.retriesExhausted(redirection)) }
        let delay = min(configuration.retryBaseDelay * (1 << min(request.retries - 1, 20)), configuration.retryMaximumDelay)
        guard now + delay < request.deadline else { return .fail(.deadlineExceeded) }
        return .wait(delay)
    }

    // MARK: - Refreshes

    /// Starts the periodic (or a wanted, postponed) refresh when it is due; for the store's timer, which
    /// also lets a refresh that overran ``Configuration/refreshTimeout`` count as failed.
    mutating func tick(now: ContinuousClock.Instant) -> RefreshOrder? {
        if case .inFlight(let since, _) = refreshState, now - since >= configuration.refreshTimeout {
            return endRefresh(with: nil, now: now)
        }
        return startRefreshIfDue(now: now)
    }

    /// The refresh `order` produced `topology` (the election's winner): it replaces the map, `MOVED`
    /// updates included. Returns the next refresh when one was asked for meanwhile and may start now. A
    /// report for an order no longer running (given up after ``Configuration/refreshTimeout``) is ignored.
    mutating func refreshSucceeded(_ topology: ClusterTopology, order: RefreshOrder, now: ContinuousClock.Instant) -> RefreshOrder? {
        guard isRunning(order) else { return nil }
        return endRefresh(with: topology, now: now)
    }

    /// No node answered the refresh `order` usefully: the map stays, and another refresh is tried after a
    /// gap that doubles with each failure. A report for an order no longer running is ignored.
    mutating func refreshFailed(order: RefreshOrder, now: ContinuousClock.Instant) -> RefreshOrder? {
        guard isRunning(order) else { return nil }
        return endRefresh(with: nil, now: now)
    }

    private func isRunning(_ order: RefreshOrder) -> Bool {
        if case .inFlight(_, let generation) = refreshState { return generation == order.generation }
        return false
    }

    private mutating func endRefresh(with topology: ClusterTopology?, now: ContinuousClock.Instant) -> RefreshOrder? {
        if let topology {
            self.topology = topology
            consecutiveRefreshFailures = 0
        } else {
            consecutiveRefreshFailures += 1
            refreshWanted = true
        }
        refreshState = .idle
        scheduleNextRefresh()
        return startRefreshIfDue(now: now)
    }

    private mutating func wantRefresh() {
        refreshWanted = true
        scheduleNextRefresh()
    }

    /// Recomputes ``nextRefreshAt`` from the state: the hot path then compares one instant.
    private mutating func scheduleNextRefresh() {
        guard case .idle = refreshState else {
            nextRefreshAt = nil
            return
        }
        guard let lastStart = lastRefreshStart else {
            // Never refreshed: discovery is due at once, from the state machine's creation on.
            nextRefreshAt = createdAt
            return
        }
        let periodic = lastStart + configuration.refreshInterval
        if refreshWanted {
            let factor = 1 << min(consecutiveRefreshFailures, 20)
            let gap = min(configuration.minimumRefreshGap * factor, configuration.refreshInterval)
            nextRefreshAt = min(lastStart + gap, periodic)
        } else {
            nextRefreshAt = periodic
        }
    }

    private mutating func startRefreshIfDue(now: ContinuousClock.Instant) -> RefreshOrder? {
        guard let due = nextRefreshAt, now >= due else { return nil }
        refreshGeneration += 1
        refreshState = .inFlight(since: now, generation: refreshGeneration)
        refreshWanted = false
        lastRefreshStart = now
        nextRefreshAt = nil
        return RefreshOrder(candidates: refreshCandidates, generation: refreshGeneration)
    }

    private var refreshCandidates: [ClusterNodeAddress] {
        var seen = Set<ClusterNodeAddress>()
        return ((topology?.allNodes ?? []) + seeds).filter { seen.insert($0).inserted }
    }
}
