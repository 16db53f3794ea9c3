/// One topology refresh, apart from the transport: asks the candidate nodes for their view
/// (`CLUSTER SHARDS`, or `CLUSTER SLOTS` on servers older than 7.0), merges the views in a
/// ``ClusterTopologyElection`` and stops as soon as the outcome is decided.
///
/// The nodes are asked concurrently, so a dead node (the very reason for many refreshes) holds nobody up:
/// once the outcome is decided the other asks are cancelled and their answers ignored, and a refresh
/// lasts at most as long as the caller lets one ask last (its deadline; `ask` should also end promptly
/// when its task is cancelled). The caller supplies
/// `ask`, which sends one command to one node on whatever connection it has (a store: its pipelined
/// connection to that node, or a short-lived one for a node it does not talk to yet).
enum ClusterTopologyDiscovery {
    /// Sends `command` to `node` and returns its reply (an error reply as ``RedisReply/error(_:)``), or
    /// throws when the node cannot be reached in time.
    typealias Ask = @Sendable (_ node: ClusterNodeAddress, _ command: [String]) async throws -> RedisReply

    /// What a refresh found.
    struct Outcome: Sendable {
        /// The elected view, nil when no node gave a usable one.
        var topology: ClusterTopology?
        /// Nodes whose view was counted.
        var voters: Int
        /// Why each other node asked gave no view.
        var failures: [ClusterNodeAddress: String]
    }

    /// Asks `candidates` for their views and elects one. `tls` picks the nodes' TLS ports where
    /// `CLUSTER SHARDS` gives them.
    static func discover(candidates: [ClusterNodeAddress], tls: Bool = false, ask: @escaping Ask) async -> Outcome {
        await withTaskGroup(of: (ClusterNodeAddress, Result<ClusterTopology, ClusterTopologyError>).self) { group in
            for node in candidates {
                group.addTask { (node, await view(of: node, tls: tls, ask: ask)) }
            }
            var election = ClusterTopologyElection(expectedVoters: candidates.count)
            var failures: [ClusterNodeAddress: String] = [:]
            for await (node, result) in group {
                switch result {
                case .success(let topology): election.vote(topology, from: node)
                case .failure(let error): failures[node] = error.description
                }
                if election.isDecided {
                    // The remaining answers cannot change the outcome; nobody waits for a dead node.
                    group.cancelAll()
                    break
                }
            }
            return Outcome(topology: election.winner, voters: election.voteCount, failures: failures)
        }
    }

    /// One node's view: `CLUSTER SHARDS`, falling back to `CLUSTER SLOTS` when the server does not know it.
    static func view(of node: ClusterNodeAddress, tls: Bool, ask: Ask) async -> Result<ClusterTopology, ClusterTopologyError> {
        do {
            let shards = try await ask(node, ["CLUSTER", "SHARDS"])
            if case .error(let message) = shards, isUnknownSubcommand(message) {
                let slots = try await ask(node, ["CLUSTER", "SLOTS"])
                return Result { () throws(ClusterTopologyError) in try ClusterTopology(clusterSlotsReply: slots, askedNode: node) }
            }
            return Result { () throws(ClusterTopologyError) in try ClusterTopology(clusterShardsReply: shards, askedNode: node, tls: tls) }
        } catch {
            return .failure(.unreachable("\(error)"))
        }
    }

    /// `ERR unknown subcommand 'SHARDS'…` (Redis 6), `ERR Unknown subcommand or wrong number of arguments
    /// for 'SHARDS'…` (older): the server predates `CLUSTER SHARDS`.
    private static func isUnknownSubcommand(_ message: String) -> Bool {
        message.lowercased().contains("unknown subcommand")
    }
}
