/// The `latency` toxic's timing: each chunk leaves `latency ± jitter` ms after it arrived, never before the chunk
/// ahead of it (a delay line: it adds delay without cutting throughput).
public struct LatencySchedule: ReleasePolicy, Sendable {
    /// The base delay in nanoseconds.
    public let latency: UInt64
    /// The maximum deviation from `latency` in nanoseconds.
    public let jitter: UInt64
    private var lastRelease: UInt64 = 0

    /// Creates a schedule from Toxiproxy's attributes, in milliseconds.
    public init(latencyMilliseconds: Int, jitterMilliseconds: Int) {
        latency = UInt64(max(0, latencyMilliseconds)) * 1_000_000
        jitter = UInt64(max(0, jitterMilliseconds)) * 1_000_000
    }

    /// The delay for one chunk: uniform in `latency - jitter ... latency + jitter`, never negative.
    mutating func delay(random: inout SplitMix64) -> UInt64 {
        guard jitter > 0 else { return latency }
        let offset = random.next() % (2 * jitter + 1)
        let value = Int64(latency) + Int64(offset) - Int64(jitter)
        return UInt64(max(0, value))
    }

    /// One piece released `delay` after arrival, not before the previous one.
    public mutating func pieces(byteCount: Int, arrivedAt now: UInt64, random: inout SplitMix64) -> [ReleasePiece] {
        [ReleasePiece(byteCount: byteCount, releaseAt: release(arrivedAt: now, random: &random))]
    }

    /// The end of stream is delayed like data, so it never overtakes it.
    public mutating func endReleaseTime(arrivedAt now: UInt64, random: inout SplitMix64) -> UInt64 {
        release(arrivedAt: now, random: &random)
    }

    private mutating func release(arrivedAt now: UInt64, random: inout SplitMix64) -> UInt64 {
        let releaseAt = max(now + delay(random: &random), lastRelease)
        lastRelease = releaseAt
        return releaseAt
    }
}
