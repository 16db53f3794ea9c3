/// One piece of a chunk and the instant (monotonic nanoseconds) it may leave a toxic stage.
public struct ReleasePiece: Sendable, Hashable {
    /// How many bytes of the chunk this piece carries.
    public var byteCount: Int
    /// When the piece may be forwarded, in monotonic nanoseconds.
    public var releaseAt: UInt64

    /// Creates a piece.
    public init(byteCount: Int, releaseAt: UInt64) {
        self.byteCount = byteCount
        self.releaseAt = releaseAt
    }
}

/// The timing logic of a delaying toxic, kept apart from channels so that it can be unit-tested.
///
/// Release times never decrease, so a stage that forwards pieces in order of release keeps the byte order.
public protocol ReleasePolicy {
    /// Splits a chunk of `byteCount` bytes that arrived at `now` into pieces with their release times.
    mutating func pieces(byteCount: Int, arrivedAt now: UInt64, random: inout SplitMix64) -> [ReleasePiece]
    /// When the end of the stream, arrived at `now`, may be forwarded.
    mutating func endReleaseTime(arrivedAt now: UInt64, random: inout SplitMix64) -> UInt64
}
