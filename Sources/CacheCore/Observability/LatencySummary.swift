/// Percentiles of a latency distribution, in microseconds.
public struct LatencySummary: Sendable, Codable, Hashable {
    /// How many operations were measured.
    public var count: Int
    /// The mean, in microseconds.
    public var mean: Double
    /// The median, in microseconds.
    public var p50: Double
    /// The 90th percentile, in microseconds.
    public var p90: Double
    /// The 99th percentile, in microseconds.
    public var p99: Double
    /// The largest value seen, in microseconds.
    public var max: Double

    /// Creates a summary.
    public init(count: Int, mean: Double, p50: Double, p90: Double, p99: Double, max: Double) {
        self.count = count
        self.mean = mean
        self.p50 = p50
        self.p90 = p90
        self.p99 = p99
        self.max = max
    }

    /// A summary of no measurements.
    public static let empty = LatencySummary(count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0)
}
