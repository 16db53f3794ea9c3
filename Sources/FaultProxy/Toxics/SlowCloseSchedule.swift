/// The `slow_close` toxic's timing: data passes at once, the end of the stream waits `delay` ms.
public struct SlowCloseSchedule: ReleasePolicy, Sendable {
    /// The close delay in nanoseconds.
    public let delay: UInt64
    private var lastRelease: UInt64 = 0

    /// Creates a schedule from the `delay` attribute in milliseconds.
    public init(delayMilliseconds: Int) {
        delay = UInt64(max(0, delayMilliseconds)) * 1_000_000
    }

    /// Data is not delayed (but never overtakes an earlier piece).
    public mutating func pieces(byteCount: Int, arrivedAt now: UInt64, random: inout SplitMix64) -> [ReleasePiece] {
        lastRelease = max(lastRelease, now)
        return [ReleasePiece(byteCount: byteCount, releaseAt: lastRelease)]
    }

    /// The close is held back by `delay`.
    public mutating func endReleaseTime(arrivedAt now: UInt64, random: inout SplitMix64) -> UInt64 {
        lastRelease = max(lastRelease, now + delay)
        return lastRelease
    }
}
