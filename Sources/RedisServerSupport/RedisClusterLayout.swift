/// Who serves what in a ``RedisCluster`` at one moment, by node number.
public struct RedisClusterLayout: Hashable, Sendable {
    /// Slot ranges of each primary that serves slots.
    public var primaries: [Int: [ClosedRange<Int>]]
    /// For each replica, the node number of its primary.
    public var replicaOf: [Int: Int]
    /// Nodes the reporting node considers failed (or suspects).
    public var failing: Set<Int>

    /// The node serving `slot`, if any.
    public func primary(ofSlot slot: Int) -> Int? {
        primaries.first { $0.value.contains { $0.contains(slot) } }?.key
    }

    /// How many slots `node` serves.
    public func slotCount(of node: Int) -> Int {
        primaries[node]?.reduce(0) { $0 + $1.count } ?? 0
    }

    /// The replicas of `primary`.
    public func replicas(of primary: Int) -> [Int] {
        replicaOf.filter { $0.value == primary }.map(\.key).sorted()
    }

    /// Builds the layout from one node's `CLUSTER NODES` entries; `number` maps ids to node numbers.
    init(entries: [ClusterNodesEntry], number: (String) -> Int?) {
        primaries = [:]
        replicaOf = [:]
        failing = []
        for entry in entries {
            guard let node = number(entry.id) else { continue }
            if entry.isFailing { failing.insert(node) }
            if entry.isPrimary {
                if !entry.slotRanges.isEmpty { primaries[node] = entry.slotRanges }
            } else if let primaryID = entry.primaryID, let primary = number(primaryID) {
                replicaOf[node] = primary
            }
        }
    }
}
