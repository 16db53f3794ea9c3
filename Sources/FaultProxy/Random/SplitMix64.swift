/// A small, fast, seedable pseudo-random generator (Steele, Lea and Flood's SplitMix64).
///
/// Every random choice of the proxy (toxicity rolls, jitter, slicer sizes) draws from one of these, derived from the
/// `--seed`, so that a run can be replayed; there is no global generator.
public struct SplitMix64: RandomNumberGenerator, Sendable, Hashable {
    private var state: UInt64

    /// Creates a generator whose sequence is fully determined by `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniformly distributed value in `0..<1`.
    public mutating func nextUnitInterval() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Derives an independent seed from a parent seed and a label, e.g. a proxy name or a connection number.
    public static func derive(_ seed: UInt64, _ label: UInt64) -> UInt64 {
        var generator = SplitMix64(seed: seed ^ (label &* 0xD6E8_FEB8_6659_FD93))
        return generator.next()
    }

    /// A stable (process-independent) 64-bit hash of a string, FNV-1a, to derive seeds from names.
    public static func stableHash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }
}
