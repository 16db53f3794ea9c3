import Testing

@testable import CacheRedis

@Suite("Cluster topology election: one view from several nodes'")
struct ClusterTopologyElectionTests {
    typealias B = ClusterReplyBuilders

    private func view(primaries ports: [Int], coverUpTo last: Int = 16383) throws -> ClusterTopology {
        let width = (last + 1) / ports.count
        let shards = ports.enumerated().map { index, port in
            let upper = index == ports.count - 1 ? last : (index + 1) * width - 1
            return ClusterShard(primary: ClusterNode(id: "n\(port)", address: B.address(port)), slotRanges: [(index * width)...upper])
        }
        return try ClusterTopology(shards: shards)
    }

    @Test("the view most nodes hold wins, and a majority of its nodes decides the election")
    func majority() throws {
        let current = try view(primaries: [7000, 7001, 7002])
        let stale = try view(primaries: [7000, 7001, 7100])
        var election = ClusterTopologyElection()
        #expect(election.winner == nil)
        election.vote(stale, from: B.address(7002))
        election.vote(current, from: B.address(7000))
        #expect(!election.isDecided)
        election.vote(current, from: B.address(7001))
        #expect(election.winner?.layout == current.layout)
        #expect(election.winnerVotes == 2)
        #expect(election.isDecided)
        #expect(election.candidateCount == 2)
        #expect(election.voteCount == 3)
    }

    @Test("a stale view naming one node does not decide on its single vote when more nodes are asked")
    func expectedVoters() throws {
        let lone = try view(primaries: [7009])
        var election = ClusterTopologyElection(expectedVoters: 4)
        election.vote(lone, from: B.address(7009))
        #expect(!election.isDecided)
        var unknownCount = ClusterTopologyElection()
        unknownCount.vote(lone, from: B.address(7009))
        #expect(unknownCount.isDecided)
    }

    @Test("ids and health do not split the vote; addresses and slots do")
    func layoutEquality() throws {
        let one = try view(primaries: [7000, 7001, 7002])
        var other = one
        other = try ClusterTopology(shards: other.shards.map {
            var shard = $0
            shard.primary.id = nil
            shard.primary.health = .loading
            return shard
        })
        #expect(one.layout == other.layout)
        var moved = one
        moved.assign(B.slot(0), to: B.address(7001))
        #expect(one.layout != moved.layout)
    }

    @Test("a complete view beats an incomplete one with more votes; an incomplete one wins when alone")
    func completeness() throws {
        let partial = try view(primaries: [7000, 7001, 7002], coverUpTo: 16000)
        let complete = try view(primaries: [7000, 7001, 7002])
        var election = ClusterTopologyElection()
        election.vote(partial, from: B.address(7000))
        #expect(election.winner?.isComplete == false)
        #expect(election.winner?.primary(for: B.slot(5)) == B.address(7000))
        #expect(!election.isDecided)
        election.vote(partial, from: B.address(7001))
        election.vote(complete, from: B.address(7002))
        #expect(election.winner?.isComplete == true)
    }

    @Test("equal votes: the view reported with the higher config epoch wins")
    func epochs() throws {
        let older = try view(primaries: [7000, 7001, 7002])
        let newer = try view(primaries: [7000, 7001, 7100])
        var election = ClusterTopologyElection()
        election.vote(newer, from: B.address(7000), epoch: 9)
        election.vote(older, from: B.address(7001), epoch: 7)
        #expect(election.winner?.layout == newer.layout)
        // Reversed order of arrival, same outcome.
        var reversed = ClusterTopologyElection()
        reversed.vote(older, from: B.address(7001), epoch: 7)
        reversed.vote(newer, from: B.address(7000), epoch: 9)
        #expect(reversed.winner?.layout == newer.layout)
    }

    @Test("a node asked again replaces its earlier vote, epoch included")
    func revote() throws {
        let first = try view(primaries: [7000, 7001, 7002])
        let second = try view(primaries: [7000, 7001, 7100])
        var election = ClusterTopologyElection()
        election.vote(first, from: B.address(7000), epoch: 20)
        election.vote(second, from: B.address(7001), epoch: 5)
        #expect(election.winner?.layout == first.layout)
        election.vote(second, from: B.address(7000), epoch: 6)
        #expect(election.voteCount == 2)
        #expect(election.candidateCount == 1)
        #expect(election.winner?.layout == second.layout)
        #expect(election.winnerVotes == 2)
    }
}
