/// The `slicer` toxic's timing: chunks are cut into slices of `averageSize ± sizeVariation` bytes, sent `delay` µs
/// apart.
public struct SlicerPlan: ReleasePolicy, Sendable {
    /// The mean slice size in bytes; 0 leaves chunks whole.
    public let averageSize: Int
    /// The maximum deviation from the mean, in bytes.
    public let sizeVariation: Int
    /// The gap between slices, in nanoseconds.
    public let delay: UInt64
    private var nextFree: UInt64 = 0

    /// Creates a plan from Toxiproxy's attributes (bytes, bytes, microseconds).
    public init(averageSize: Int, sizeVariation: Int, delayMicroseconds: Int) {
        self.averageSize = max(0, averageSize)
        self.sizeVariation = max(0, min(sizeVariation, averageSize - 1))
        delay = UInt64(max(0, delayMicroseconds)) * 1000
    }

    /// The slice sizes for a chunk of `byteCount` bytes; they always add up to `byteCount`.
    public func sliceSizes(byteCount: Int, random: inout SplitMix64) -> [Int] {
        guard averageSize > 0, byteCount > 0 else { return [byteCount] }
        var sizes: [Int] = []
        var remaining = byteCount
        while remaining > 0 {
            var size = averageSize
            if sizeVariation > 0 {
                size += Int(random.next() % UInt64(2 * sizeVariation + 1)) - sizeVariation
            }
            size = min(max(1, size), remaining)
            sizes.append(size)
            remaining -= size
        }
        return sizes
    }

    /// One piece per slice: the first as soon as the previous chunk's slices are out, then one every `delay`.
    public mutating func pieces(byteCount: Int, arrivedAt now: UInt64, random: inout SplitMix64) -> [ReleasePiece] {
        var releaseAt = max(nextFree, now)
        var pieces: [ReleasePiece] = []
        for size in sliceSizes(byteCount: byteCount, random: &random) {
            pieces.append(ReleasePiece(byteCount: size, releaseAt: releaseAt))
            releaseAt += delay
        }
        nextFree = releaseAt
        return pieces
    }

    /// The end of stream follows the last slice.
    public mutating func endReleaseTime(arrivedAt now: UInt64, random: inout SplitMix64) -> UInt64 {
        max(nextFree, now)
    }
}
