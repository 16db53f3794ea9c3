/// Merges several nodes' views of the topology into one, as valkey-swift's topology election does.
///
/// Nodes can disagree for a while (a failover or a slot migration has reached some of them only). Each
/// node asked casts one vote for the view it returned (a node asked again replaces its vote). The winner
/// is, in order: a complete view (every slot covered) before an incomplete one, then the view with most
/// votes, then the one whose voters report the highest config epoch (`cluster_current_epoch`), which is
/// the newest. An incomplete view only wins when no node returned a complete one; it still routes the
/// slots it covers.
struct ClusterTopologyElection: Sendable {
    private struct Candidate: Sendable {
        var topology: ClusterTopology
        var votes: Int
        var highestEpoch: UInt64?
    }

    private var candidates: [ClusterTopology.Layout: Candidate] = [:]
    private var ballots: [ClusterNodeAddress: (layout: ClusterTopology.Layout, epoch: UInt64?)] = [:]

    /// How many nodes will be asked; a decision needs a majority of them too.
    private let expectedVoters: Int

    /// An empty election among `expectedVoters` nodes (0 when unknown: then a view needs a majority of
    /// the nodes it names itself).
    init(expectedVoters: Int = 0) {
        self.expectedVoters = expectedVoters
    }

    /// Records `voter`'s view, with the config epoch it reported when known.
    mutating func vote(_ topology: ClusterTopology, from voter: ClusterNodeAddress, epoch: UInt64? = nil) {
        let layout = topology.layout
        let previous = ballots.updateValue((layout, epoch), forKey: voter)
        if let previous {
            candidates[previous.layout]?.votes -= 1
            if candidates[previous.layout]?.votes == 0 { candidates[previous.layout] = nil }
        }
        var candidate = candidates[layout] ?? Candidate(topology: topology, votes: 0, highestEpoch: nil)
        candidate.votes += 1
        candidates[layout] = candidate
        // Recounted rather than maxed in, so a withdrawn vote's epoch does not linger on its old view.
        recountEpoch(of: layout)
        if let previous, previous.layout != layout { recountEpoch(of: previous.layout) }
    }

    private mutating func recountEpoch(of layout: ClusterTopology.Layout) {
        guard candidates[layout] != nil else { return }
        candidates[layout]?.highestEpoch = ballots.values.filter { $0.layout == layout }.compactMap(\.epoch).max()
    }

    /// How many views were recorded and how many distinct ones.
    var voteCount: Int { ballots.count }

    /// The number of distinct views among the votes.
    var candidateCount: Int { candidates.count }

    /// The winning view, or nil before any vote.
    var winner: ClusterTopology? { leader?.topology }

    /// The winner's vote count.
    var winnerVotes: Int { leader?.votes ?? 0 }

    /// Whether the winner is complete and held by a majority both of the nodes it names itself and of
    /// the nodes to be asked, so further answers cannot change the outcome (a refresh may stop there).
    /// The second majority keeps a stale view naming a single node from deciding on its one vote.
    var isDecided: Bool {
        guard let leader, leader.topology.isComplete else { return false }
        return leader.votes >= max(leader.topology.nodeCount, expectedVoters) / 2 + 1
    }

    private var leader: Candidate? {
        candidates.values.max { lhs, rhs in
            if lhs.topology.isComplete != rhs.topology.isComplete { return !lhs.topology.isComplete }
            if lhs.votes != rhs.votes { return lhs.votes < rhs.votes }
            if lhs.highestEpoch != rhs.highestEpoch { return (lhs.highestEpoch ?? 0) < (rhs.highestEpoch ?? 0) }
            if lhs.topology.coveredSlotCount != rhs.topology.coveredSlotCount {
                return lhs.topology.coveredSlotCount < rhs.topology.coveredSlotCount
            }
            // A total order, so the same votes always elect the same view whatever the dictionary order.
            return lhs.topology.layout.shards.map(\.primary.description).joined(separator: ",")
                < rhs.topology.layout.shards.map(\.primary.description).joined(separator: ",")
        }
    }
}
