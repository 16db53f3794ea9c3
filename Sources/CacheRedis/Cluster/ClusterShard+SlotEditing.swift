extension ClusterShard {
    /// Removes one slot from the ranges (splitting a range when the slot is inside it).
    mutating func remove(_ slot: Int) {
        guard let position = slotRanges.firstIndex(where: { $0.contains(slot) }) else { return }
        let range = slotRanges.remove(at: position)
        var pieces: [ClosedRange<Int>] = []
        if range.lowerBound < slot { pieces.append(range.lowerBound...(slot - 1)) }
        if slot < range.upperBound { pieces.append((slot + 1)...range.upperBound) }
        slotRanges.insert(contentsOf: pieces, at: position)
    }

    /// Adds one slot to the ranges, merging with its neighbours.
    mutating func insert(_ slot: Int) {
        guard !slotRanges.contains(where: { $0.contains(slot) }) else { return }
        self = ClusterShard(primary: primary, replicas: replicas, slotRanges: slotRanges + [slot...slot])
    }
}
