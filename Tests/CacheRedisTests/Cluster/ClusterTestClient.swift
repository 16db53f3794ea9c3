import RedisServerSupport

@testable import CacheRedis

/// A deliberately plain cluster client for tests: ``ClusterStateMachine`` decides, a fresh pipelined
/// connection per attempt (``RedisServer/commands(_:timeout:)``) carries each command, and refreshes run
/// inline. It exists to drive the state machine against a real cluster, not to be fast.
struct ClusterTestClient {
    /// What the client went through.
    struct Counts {
        var moved = 0
        var ask = 0
        var retries = 0
        var refreshes = 0
        var unreachable = 0
    }

    let cluster: RedisCluster
    var state: ClusterStateMachine
    var counts = Counts()

    /// A client that knows only the cluster's first node and discovers the rest.
    init(cluster: RedisCluster, configuration: ClusterStateMachine.Configuration = .init()) {
        self.cluster = cluster
        self.state = ClusterStateMachine(
            seeds: [ClusterNodeAddress(host: "127.0.0.1", port: cluster.announcedPorts[0])], configuration: configuration,
            now: .now)
    }

    /// Runs `command` for `key`; returns the reply or throws the state machine's failure.
    mutating func execute(_ command: [String], key: String, timeout: Duration = .seconds(3)) async throws -> RawRedisReply {
        // Discovery first: a store does it at start-up, so requests do not fail for want of a map.
        if state.topology == nil, let order = state.tick(now: .now) { await refresh(order) }
        var request = ClusterRequest(key: key, deadline: .now + timeout)
        var decision = state.route(&request, now: .now)
        while true {
            if let order = decision.refresh { await refresh(order) }
            switch decision.action {
            case .send(let node, let asking):
                let reply: RawRedisReply?
                do {
                    let replies = try await server(at: node).commands(asking ? [["ASKING"], command] : [command], timeout: .seconds(2))
                    reply = replies.last.flatMap(RawRedisReply.init)
                } catch {
                    counts.unreachable += 1
                    decision = state.connectionFailed(&request, node: node, now: .now)
                    continue
                }
                guard let reply else { throw ClusterRequestFailure.nodeUnreachable(node) }
                let redirection = reply.errorMessage.flatMap { ClusterRedirection(errorMessage: $0, askedNode: node) }
                switch redirection {
                case .moved: counts.moved += 1
                case .ask: counts.ask += 1
                case .tryAgain, .clusterDown: counts.retries += 1
                case nil: return reply
                }
                decision = state.replyReceived(&request, redirection: redirection, now: .now)
            case .wait(let delay):
                try await Task.sleep(for: delay)
                decision = state.route(&request, now: .now)
            case .deliver:
                preconditionFailure("deliver comes only with a reply, which is returned above")
            case .fail(let failure):
                throw failure
            }
        }
    }

    /// Runs the ordered refresh, and the next one when the state machine orders another right away.
    mutating func refresh(_ order: ClusterStateMachine.RefreshOrder) async {
        var next: ClusterStateMachine.RefreshOrder? = order
        while let current = next { next = await refreshOnce(current) }
    }

    /// Runs one discovery over raw connections and reports the elected view.
    private mutating func refreshOnce(_ order: ClusterStateMachine.RefreshOrder) async -> ClusterStateMachine.RefreshOrder? {
        counts.refreshes += 1
        let cluster = cluster
        let outcome = await ClusterTopologyDiscovery.discover(candidates: order.candidates) { node, command in
            guard let index = cluster.announcedPorts.firstIndex(of: node.port), cluster.servers[index].isRunning,
                let reply = RawRedisReply(try await cluster.servers[index].command(command, timeout: .seconds(1)))
            else { throw ClusterRequestFailure.nodeUnreachable(node) }
            return RedisReply(reply)
        }
        if let winner = outcome.topology { return state.refreshSucceeded(winner, order: order, now: .now) }
        return state.refreshFailed(order: order, now: .now)
    }

    /// The server behind an announced address (tests without proxies announce the servers' own ports).
    func server(at node: ClusterNodeAddress) throws -> RedisServer {
        guard let index = cluster.announcedPorts.firstIndex(of: node.port) else {
            throw ClusterRequestFailure.nodeUnreachable(node)
        }
        return cluster.servers[index]
    }
}

extension RedisReply {
    /// The same reply tree as CacheRedis's own parser would give (RESP2 has no other shapes).
    init(_ raw: RawRedisReply) {
        switch raw {
        case .status(let text): self = .status(text)
        case .error(let message): self = .error(message)
        case .integer(let value): self = .integer(Int64(value))
        case .bulk(let text): self = text.map { .bulkString(Array($0.utf8)) } ?? .null
        case .array(let elements): self = elements.map { .array($0.map(RedisReply.init)) } ?? .null
        }
    }
}
