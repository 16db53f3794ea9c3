import Histogram

/// Latency percentiles in milliseconds, from an HdrHistogram at microsecond resolution.
public struct LatencyStatistics: Sendable, Hashable, Codable {
    /// Samples.
    public var count: Int
    /// Mean.
    public var mean: Double
    /// Median.
    public var p50: Double
    /// 95th percentile.
    public var p95: Double
    /// 99th percentile.
    public var p99: Double
    /// Worst.
    public var max: Double

    /// Creates statistics from their values.
    public init(count: Int, mean: Double, p50: Double, p95: Double, p99: Double, max: Double) {
        self.count = count
        self.mean = mean
        self.p50 = p50
        self.p95 = p95
        self.p99 = p99
        self.max = max
    }

    /// No samples.
    public static let empty = LatencyStatistics(count: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0)

    /// Computes the statistics of samples in milliseconds (three significant digits, as HdrHistogram keeps).
    public init(milliseconds samples: some Sequence<Double>) {
        var histogram = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
        histogram.autoResize = true
        var sum = 0.0
        var count = 0
        var worst = 0.0
        for sample in samples {
            let clamped = Swift.max(0, sample)
            _ = histogram.record(UInt64((clamped * 1000).rounded()))
            sum += clamped
            count += 1
            worst = Swift.max(worst, clamped)
        }
        guard count > 0 else {
            self = .empty
            return
        }
        self.init(
            count: count, mean: sum / Double(count),
            p50: Double(histogram.valueAtPercentile(50)) / 1000,
            p95: Double(histogram.valueAtPercentile(95)) / 1000,
            p99: Double(histogram.valueAtPercentile(99)) / 1000,
            max: worst)
    }
}
