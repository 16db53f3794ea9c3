import CacheCore
import Synchronization

extension RedisClusterStore {
    /// Sends a keyed command to the node serving `slot`, following `MOVED`/`ASK` and waiting out
    /// `TRYAGAIN`/`CLUSTERDOWN` as ``ClusterStateMachine`` decides, all within `deadline`. An `isRead`
    /// command goes to a replica when ``readFromReplicas`` is on.
    func execute(
        _ command: RedisCommand, slot: ClusterSlot, deadline: ContinuousClock.Instant, isRead: Bool = false
    ) async throws(KVError) -> RedisReply {
        var now = ContinuousClock.now
        guard now < deadline else { throw KVError(.timeout, "the deadline had passed before the command was sent") }
        if !firstDiscovery.isOpen {
            await firstDiscovery.wait(until: deadline)
            now = .now
        }
        var request = ClusterRequest(slot: slot, deadline: deadline, readFromReplica: isRead && readFromReplicas)
        var step = try state.withLock { (state: inout State) throws(KVError) -> Step in
            let decision = state.machine.route(&request, now: now)
            return Step(decision: decision, connections: try Self.connections(for: decision, in: &state, store: self))
        }
        while true {
            if let order = step.decision.refresh { startRefresh(order) }
            switch step.decision.action {
            case .send(let node, let asking):
                guard let connections = step.connections else { throw Self.shutDownError }
                // Routing names a replica only for a replica read; redirections clear it.
                let toReplica = request.replica != nil
                let result = asking
                    ? await connections.send([Self.asking, command], deadline: deadline)
                    : toReplica
                        ? await connections.sendReplicaRead(command, deadline: deadline)
                        : await connections.send(command, deadline: deadline)
                let error: KVError
                switch result {
                case .success(let reply): return reply
                case .failure(let failure): error = failure
                }
                guard let redirection = Self.redirection(in: error, from: node) else {
                    if isConnectionFailure(error, of: connections) || (toReplica && Self.isReplicaUnavailable(error)) {
                        // A replica read goes on to the primary; any other request fails (the cache falls back).
                        step = try state.withLock { (state: inout State) throws(KVError) -> Step in
                            let decision = state.machine.connectionFailed(&request, node: node, now: .now)
                            return Step(decision: decision, connections: try Self.connections(for: decision, in: &state, store: self))
                        }
                        if case .send = step.decision.action {
                            metrics.recordReplicaFallback()
                            continue
                        }
                        if let order = step.decision.refresh { startRefresh(order) }
                    }
                    throw error
                }
                if toReplica, case .moved = redirection { connections.readOnlyModeLost() }
                metrics.record(redirection)
                step = try state.withLock { (state: inout State) throws(KVError) -> Step in
                    let decision = state.machine.replyReceived(&request, redirection: redirection, now: .now)
                    return Step(decision: decision, connections: try Self.connections(for: decision, in: &state, store: self))
                }
            case .wait(let delay):
                try? await Task.sleep(for: delay)
                step = try state.withLock { (state: inout State) throws(KVError) -> Step in
                    let decision = state.machine.route(&request, now: .now)
                    return Step(decision: decision, connections: try Self.connections(for: decision, in: &state, store: self))
                }
            case .deliver:
                // Only replyReceived(redirection: nil) delivers, and a reply is returned above instead.
                throw KVError(.protocolError, "cluster routing delivered without a reply")
            case .fail(let failure):
                throw kvError(for: failure)
            }
        }
    }

    /// Sends an unkeyed command (`SCAN`, `PING`) to `node`, whatever slots it serves.
    func send(_ command: RedisCommand, to node: ClusterNodeAddress, deadline: ContinuousClock.Instant) async throws(KVError) -> RedisReply {
        guard ContinuousClock.now < deadline else { throw KVError(.timeout, "the deadline had passed before the command was sent") }
        let connections = try state.withLock { (state: inout State) throws(KVError) in try Self.connections(to: node, in: &state, store: self) }
        switch await connections.send(command, deadline: deadline) {
        case .success(let reply): return reply
        case .failure(let error):
            if isConnectionFailure(error, of: connections) {
                var request = ClusterRequest(slot: ClusterSlot(key: ""), deadline: deadline)
                let decision = state.withLock { $0.machine.connectionFailed(&request, node: node, now: .now) }
                if let order = decision.refresh { startRefresh(order) }
            }
            throw error
        }
    }

    /// A request's next step and, when it is a send, the connections to send on.
    struct Step: Sendable {
        var decision: ClusterStateMachine.Decision
        var connections: ClusterNodeConnections?
    }

    static let asking = RedisCommand(["ASKING"], expecting: .ok)
    static let shutDownError = KVError(.shutDown, "the Redis cluster store was shut down")

    /// Under the lock: the connections a send decision needs, created (and started) the first time.
    static func connections(
        for decision: ClusterStateMachine.Decision, in state: inout State, store: RedisClusterStore
    ) throws(KVError) -> ClusterNodeConnections? {
        guard case .send(let node, _) = decision.action else { return nil }
        return try connections(to: node, in: &state, store: store)
    }

    /// Under the lock: the node's connection set, created and started the first time it is needed.
    /// Starting spawns the I/O threads under the lock, which happens once per node, not per request.
    static func connections(
        to node: ClusterNodeAddress, in state: inout State, store: RedisClusterStore
    ) throws(KVError) -> ClusterNodeConnections {
        if let existing = state.nodes[node] { return existing }
        guard !state.isShutDown else { throw shutDownError }
        let created = ClusterNodeConnections(
            address: node, template: store.template, configuration: store.configuration, resolver: store.resolver,
            metrics: store.metrics, logger: store.logger, sharedLoop: store.sharedLoop)
        created.start()
        state.nodes[node] = created
        return created
    }

    /// Reads an error as a cluster redirection (`MOVED`, `ASK`, `TRYAGAIN`, `CLUSTERDOWN`), or nil.
    static func redirection(in error: KVError, from node: ClusterNodeAddress) -> ClusterRedirection? {
        guard error.code == .serverError else { return nil }
        switch error.serverErrorPrefix {
        case "MOVED", "ASK", "TRYAGAIN", "CLUSTERDOWN":
            return ClusterRedirection(errorMessage: error.message, askedNode: node)
        default:
            return nil
        }
    }

    /// Whether a replica's error reply says it cannot serve reads now: `LOADING` (restarted, loading its
    /// data) or `MASTERDOWN` (link to its primary down with `replica-serve-stale-data no`).
    static func isReplicaUnavailable(_ error: KVError) -> Bool {
        guard error.code == .serverError else { return false }
        return error.serverErrorPrefix == "LOADING" || error.serverErrorPrefix == "MASTERDOWN"
    }

    /// Whether an error says the node (not the request) is the problem, which is worth a topology refresh:
    /// the connection was refused or broke, or a reply was so late that the connection closed itself.
    func isConnectionFailure(_ error: KVError, of connections: ClusterNodeConnections) -> Bool {
        switch error.code {
        case .connectionRefused, .connectionReset, .dns, .tls: return true
        case .timeout: return !connections.isAccepting
        default: return false
        }
    }

    /// The KV failure a cluster-level give-up becomes: the cache then falls back, as for any KV failure.
    static func kvError(_ failure: ClusterRequestFailure) -> KVError {
        switch failure {
        case .deadlineExceeded: KVError(.timeout, failure.description)
        case .nodeUnreachable, .noTopology: KVError(.connectionRefused, failure.description)
        case .slotUncovered, .tooManyRedirections, .retriesExhausted: KVError(.serverError, failure.description, serverErrorPrefix: "CLUSTER")
        }
    }
}
