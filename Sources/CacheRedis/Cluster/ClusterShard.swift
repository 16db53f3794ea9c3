/// A primary, its replicas and the slots they serve.
struct ClusterShard: Hashable, Sendable {
    /// The node that takes writes (and, unless replica reads are allowed, all reads) for these slots.
    var primary: ClusterNode
    /// Its replicas, sorted by address so equal shards compare equal whatever order a node listed them in.
    var replicas: [ClusterNode]
    /// The slot ranges, sorted and merged where they touch.
    var slotRanges: [ClosedRange<Int>]

    /// A shard from its parts; replicas and ranges are put in canonical order.
    init(primary: ClusterNode, replicas: [ClusterNode] = [], slotRanges: [ClosedRange<Int>]) {
        self.primary = primary
        self.replicas = replicas.sorted { ($0.address.host, $0.address.port) < ($1.address.host, $1.address.port) }
        self.slotRanges = Self.merged(slotRanges)
    }

    /// The number of slots the shard serves.
    var slotCount: Int { slotRanges.reduce(0) { $0 + $1.count } }

    private static func merged(_ ranges: [ClosedRange<Int>]) -> [ClosedRange<Int>] {
        var result: [ClosedRange<Int>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = result.last, range.lowerBound <= last.upperBound + 1 {
                result[result.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
            } else {
                result.append(range)
            }
        }
        return result
    }
}
