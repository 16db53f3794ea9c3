import CacheCore
import Synchronization
import Logging

extension RedisClusterStore {
    /// Runs a refresh the state machine ordered, in the background: asks the candidates for their views
    /// (over each node's connection set, created if needed), reports the elected view (or the failure) back,
    /// and starts the next refresh when one was asked for meanwhile.
    func startRefresh(_ order: ClusterStateMachine.RefreshOrder) {
        Task { await self.refresh(order) }
    }

    private func refresh(_ order: ClusterStateMachine.RefreshOrder) async {
        let refusals = Mutex<[KVError]>([])
        let outcome = await ClusterTopologyDiscovery.discover(candidates: order.candidates, tls: template.tls != nil) { node, command in
            do {
                return try await self.ask(node, command, refusals: refusals)
            } catch {
                if let failure = error as? KVError { refusals.withLock { $0.append(failure) } }
                throw error
            }
        }
        recordDiscoveryRefusal(found: outcome.topology != nil, errors: refusals.withLock { $0 })
        let now = ContinuousClock.now
        let (next, retired) = state.withLock { state -> (ClusterStateMachine.RefreshOrder?, [ClusterNodeConnections]) in
            guard !state.isShutDown else { return (nil, []) }
            guard let topology = outcome.topology else {
                return (state.machine.refreshFailed(order: order, now: now), [])
            }
            let next = state.machine.refreshSucceeded(topology, order: order, now: now)
            // Connections to nodes the cluster no longer names (removed, or replaced under another address)
            // are retired; seeds stay, since refreshes ask them again.
            let keep = Set(topology.allNodes + state.machine.seeds)
            var retired: [ClusterNodeConnections] = []
            for (node, connections) in state.nodes where !keep.contains(node) {
                state.nodes[node] = nil
                state.retiredRequests[node, default: 0] += connections.requests
                retired.append(connections)
            }
            return (next, retired)
        }
        metrics.recordRefresh(succeeded: outcome.topology != nil)
        if let topology = outcome.topology {
            logger.debug("redis cluster topology refreshed", metadata: [
                "primaries": "\(topology.primaries.map(\.description).sorted())", "voters": "\(outcome.voters)",
            ])
        } else {
            logger.warning("redis cluster topology refresh failed: no node gave a usable view", metadata: [
                "failures": "\(outcome.failures.map { "\($0.key): \($0.value)" }.sorted())",
            ])
        }
        firstDiscovery.open()
        if !retired.isEmpty {
            let grace = retireGrace
            Task {
                // In-flight requests on them finish first (they are bounded by their deadlines).
                try? await Task.sleep(for: grace)
                for connections in retired { await connections.shutdown() }
            }
        }
        if let next { startRefresh(next) }
    }

    /// One topology ask: the reply (an error reply as ``RedisReply/error(_:)``), or a thrown failure when
    /// the node cannot be reached within ``refreshAskTimeout``. A refused password is answered as an error
    /// reply too (the node is up, it just will not talk to us), and also kept in `refusals`, so that a
    /// discovery that found no map says why (`auth`, see `RedisClusterStore+DiscoveryRefusal.swift`).
    private func ask(_ node: ClusterNodeAddress, _ arguments: [String], refusals: borrowing Mutex<[KVError]>) async throws -> RedisReply {
        let connections = try state.withLock { (state: inout State) throws(KVError) in try Self.connections(to: node, in: &state, store: self) }
        let result = await connections.send(
            RedisCommand(arguments, expecting: .anyReply), deadline: .now + refreshAskTimeout, counted: false)
        switch result {
        case .success(let reply): return reply
        case .failure(let error) where error.code == .serverError || error.code == .authentication:
            if error.code == .authentication { refusals.withLock { $0.append(error) } }
            return .error(error.message)
        case .failure(let error): throw error
        }
    }
}
