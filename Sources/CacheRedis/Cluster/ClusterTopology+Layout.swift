extension ClusterTopology {
    /// What two nodes must agree on for their views to count as the same topology: each slot-serving
    /// shard's ranges, primary address and replica addresses. Node ids and health are left out, because
    /// nodes legitimately differ on them for a while (a replica one node has just marked failed).
    struct Layout: Hashable, Sendable {
        struct Shard: Hashable, Sendable {
            var slotRanges: [ClosedRange<Int>]
            var primary: ClusterNodeAddress
            var replicas: [ClusterNodeAddress]
        }

        /// Slot-serving shards, ordered by their first slot.
        var shards: [Shard]
    }

    /// This topology's ``Layout``.
    var layout: Layout {
        let serving = shards.filter { !$0.slotRanges.isEmpty }
            .sorted { $0.slotRanges[0].lowerBound < $1.slotRanges[0].lowerBound }
        return Layout(shards: serving.map {
            Layout.Shard(slotRanges: $0.slotRanges, primary: $0.primary.address, replicas: $0.replicas.map(\.address))
        })
    }

    /// How many nodes the topology names (slot-serving primaries and their replicas): a view held by more
    /// than half of them is a majority view.
    var nodeCount: Int {
        layout.shards.reduce(0) { $0 + 1 + $1.replicas.count }
    }
}
