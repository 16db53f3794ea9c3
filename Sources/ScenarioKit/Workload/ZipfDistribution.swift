import Foundation

/// Zipf popularity over ranks 1…n: rank k is asked with probability proportional to 1 / k^s. Sampled by
/// binary search over the cumulative weights.
public struct ZipfDistribution: Sendable {
    /// The number of ranks.
    public let count: Int
    /// The exponent.
    public let exponent: Double
    private let cumulative: [Double]

    /// Creates the distribution; `exponent` 0 is uniform. A count below 1 is taken as 1.
    public init(count: Int, exponent: Double) {
        let count = max(1, count)
        self.count = count
        self.exponent = exponent
        var running = 0.0
        var cumulative: [Double] = []
        cumulative.reserveCapacity(count)
        for rank in 1...count {
            running += 1 / pow(Double(rank), exponent)
            cumulative.append(running)
        }
        self.cumulative = cumulative.map { $0 / running }
    }

    /// Draws a rank in 1…count.
    public func sample(using generator: inout some RandomNumberGenerator) -> Int {
        let u = Double.random(in: 0..<1, using: &generator)
        var low = 0
        var high = count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] > u { high = middle } else { low = middle + 1 }
        }
        return low + 1
    }

    /// The probability of `rank`.
    public func probability(of rank: Int) -> Double {
        guard rank >= 1, rank <= count else { return 0 }
        return cumulative[rank - 1] - (rank >= 2 ? cumulative[rank - 2] : 0)
    }
}
