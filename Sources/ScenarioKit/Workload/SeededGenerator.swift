import FaultProxy

/// The scenario runner's seedable generator: the fault proxy's SplitMix64, with named streams so that
/// the question trace, the routing and each question's origin latency draw independent sequences, and
/// every run with the same seed draws the same numbers on every platform.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var base: SplitMix64

    /// Creates a generator from a seed.
    public init(seed: UInt64) { base = SplitMix64(seed: seed) }

    /// Creates a generator for one purpose, derived from a seed and a label so streams do not overlap.
    public init(seed: UInt64, stream label: String) {
        base = SplitMix64(seed: seed ^ SplitMix64.stableHash(label))
        _ = base.next()
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 { base.next() }
}
