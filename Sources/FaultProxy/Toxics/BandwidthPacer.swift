/// The `bandwidth` toxic's timing: `rate` KB/s (1 KB = 1000 bytes, so `rate` bytes per millisecond, as Toxiproxy),
/// in pieces of at most 100 ms worth of bytes so that slow rates still trickle.
public struct BandwidthPacer: ReleasePolicy, Sendable {
    /// Bytes per millisecond; 0 means unlimited.
    public let rate: Int
    private var nextFree: UInt64 = 0

    /// Creates a pacer for `rate` KB/s.
    public init(rate: Int) {
        self.rate = max(0, rate)
    }

    /// The pieces of a chunk, each released when the previous bytes have "used" their share of the rate.
    public mutating func pieces(byteCount: Int, arrivedAt now: UInt64, random: inout SplitMix64) -> [ReleasePiece] {
        guard rate > 0 else {
            nextFree = max(nextFree, now)
            return [ReleasePiece(byteCount: byteCount, releaseAt: nextFree)]
        }
        let maximumPiece = max(1, rate * 100)
        var pieces: [ReleasePiece] = []
        pieces.reserveCapacity(byteCount / maximumPiece + 1)
        var start = max(nextFree, now)
        var remaining = byteCount
        while remaining > 0 {
            let size = min(remaining, maximumPiece)
            start += UInt64(size) * 1_000_000 / UInt64(rate)
            pieces.append(ReleasePiece(byteCount: size, releaseAt: start))
            remaining -= size
        }
        nextFree = start
        return pieces
    }

    /// The end of stream follows the last paced byte.
    public mutating func endReleaseTime(arrivedAt now: UInt64, random: inout SplitMix64) -> UInt64 {
        max(nextFree, now)
    }
}
