/// The cluster's slot map: which shard serves each of the 16384 slots.
///
/// Lookup is one array read (a shard index per slot), because it sits on every request of a cluster
/// store. A topology may leave slots uncovered (a cluster still being set up, or slots lost with a shard):
/// it is then not ``isComplete`` — a worse candidate in an election — but still routes the covered slots.
struct ClusterTopology: Sendable {
    /// Marks a slot no shard serves.
    private static let uncovered = UInt16.max

    /// The shards, in the order given (shards without slots included: their nodes still exist).
    private(set) var shards: [ClusterShard]
    /// For each slot, the index of its shard in ``shards``, or ``uncovered``.
    private var slotOwners: [UInt16]
    /// Each shard's primary address, by shard index: routing reads this instead of copying a whole
    /// ``ClusterShard`` (whose arrays and id would be retained and released on every request).
    private var primaryAddresses: [ClusterNodeAddress]
    /// Each shard's replicas not marked failed, by shard index: where replica reads go.
    private var replicaAddresses: [[ClusterNodeAddress]]
    /// The shard each primary leads, to apply a `MOVED` without a scan.
    private var shardByPrimary: [ClusterNodeAddress: Int]
    /// How many slots some shard serves.
    private(set) var coveredSlotCount: Int

    /// Builds the map; fails when two shards claim the same slot or a range leaves `0..<16384`.
    init(shards: [ClusterShard]) throws(ClusterTopologyError) {
        guard shards.count < Int(Self.uncovered) else { throw .malformed("\(shards.count) shards") }
        self.shards = shards
        self.primaryAddresses = shards.map(\.primary.address)
        // A replica marked failed cannot answer reads. "loading" is kept: Redis also reports it for a healthy
        // replica whose replication offset is still 0 (a fresh cluster before its first write), and a replica
        // that really is loading answers -LOADING, which sends the read to the primary.
        self.replicaAddresses = shards.map { $0.replicas.filter { $0.health != .failed }.map(\.address) }
        self.slotOwners = Array(repeating: Self.uncovered, count: ClusterSlot.count)
        self.shardByPrimary = [:]
        self.coveredSlotCount = 0
        for (index, shard) in shards.enumerated() {
            if let other = shardByPrimary.updateValue(index, forKey: shard.primary.address) {
                throw .malformed("\(shard.primary.address) leads shards \(other) and \(index)")
            }
            for range in shard.slotRanges {
                guard range.lowerBound >= 0, range.upperBound < ClusterSlot.count else {
                    throw .malformed("slot range \(range) outside 0...\(ClusterSlot.count - 1)")
                }
                for slot in range {
                    guard slotOwners[slot] == Self.uncovered else {
                        throw .malformed("slot \(slot) claimed by shards \(slotOwners[slot]) and \(index)")
                    }
                    slotOwners[slot] = UInt16(index)
                }
                coveredSlotCount += range.count
            }
        }
    }

    /// Whether every slot is served: a complete map (what `cluster_state:ok` needs).
    var isComplete: Bool { coveredSlotCount == ClusterSlot.count }

    /// The index in ``shards`` of the shard serving `slot`, or nil when no shard does.
    @inline(__always)
    func shardIndex(for slot: ClusterSlot) -> Int? {
        let owner = slotOwners.withUnsafeBufferPointer { $0[slot.index] }
        return owner == Self.uncovered ? nil : Int(owner)
    }

    /// The primary serving `slot`, or nil when no shard does.
    func primary(for slot: ClusterSlot) -> ClusterNodeAddress? {
        guard let shard = shardIndex(for: slot) else { return nil }
        return primaryAddresses[shard]
    }

    /// The replicas (not marked failed) of shard `shard` (an index from ``shardIndex(for:)``).
    func replicas(ofShard shard: Int) -> [ClusterNodeAddress] {
        replicaAddresses[shard]
    }

    /// The primaries of the shards that serve slots (the nodes a cluster store connects to and scans).
    var primaries: [ClusterNodeAddress] {
        shards.filter { !$0.slotRanges.isEmpty }.map(\.primary.address)
    }

    /// Every node named, primaries first, each once: the nodes worth asking for a fresh topology.
    var allNodes: [ClusterNodeAddress] {
        var seen = Set<ClusterNodeAddress>()
        let ordered = shards.map(\.primary.address) + shards.flatMap { $0.replicas.map(\.address) }
        return ordered.filter { seen.insert($0).inserted }
    }

    /// Records a `MOVED`: `slot` now lives on `primary`. A primary no shard leads yet (a promoted replica,
    /// a node added by resharding) gets a shard of its own until the next refresh says more.
    mutating func assign(_ slot: ClusterSlot, to primary: ClusterNodeAddress) {
        let target: Int
        if let known = shardByPrimary[primary] {
            target = known
        } else {
            target = shards.count
            shards.append(ClusterShard(primary: ClusterNode(id: nil, address: primary), slotRanges: []))
            primaryAddresses.append(primary)
            replicaAddresses.append([])
            shardByPrimary[primary] = target
        }
        if let current = shardIndex(for: slot) {
            guard current != target else { return }
            shards[current].remove(slot.index)
        } else {
            coveredSlotCount += 1
        }
        shards[target].insert(slot.index)
        slotOwners[slot.index] = UInt16(target)
    }
}
