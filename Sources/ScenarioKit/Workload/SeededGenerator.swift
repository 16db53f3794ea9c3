/// SplitMix64: a small, fast, seedable generator, so every run with the same seed draws the same numbers
/// on every platform (the system generator cannot be seeded).
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Creates a generator from a seed.
    public init(seed: UInt64) { state = seed }

    /// Creates a generator for one purpose, derived from a seed and a label so streams do not overlap.
    public init(seed: UInt64, stream label: String) {
        state = seed ^ StableHash.fnv1a(label)
        _ = next()
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
