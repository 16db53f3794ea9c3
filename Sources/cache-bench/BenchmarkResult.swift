import Histogram

/// One measured case: throughput and latency percentiles.
struct BenchmarkResult: Codable, Sendable {
    /// The case name, such as `redisstore.get.c64`.
    var name: String
    /// Operations completed per second over the whole case.
    var opsPerSec: Double
    /// Median latency of one operation, in microseconds.
    var p50Micros: Double
    /// 99th percentile latency, in microseconds.
    var p99Micros: Double

    /// Builds a result from a latency histogram recorded in nanoseconds.
    init(name: String, operations: Int, elapsed: Duration, latencies: Histogram<UInt64>) {
        self.name = name
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        self.opsPerSec = seconds > 0 ? Double(operations) / seconds : 0
        self.p50Micros = Double(latencies.valueAtPercentile(50)) / 1000
        self.p99Micros = Double(latencies.valueAtPercentile(99)) / 1000
    }

    /// One bulk operation over `total` items (an invalidation): items per second; the latencies are the
    /// whole operation's time.
    init(total: Int, elapsed: Duration, name: String) {
        self.name = name
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        self.opsPerSec = seconds > 0 ? Double(total) / seconds : 0
        self.p50Micros = seconds * 1e6
        self.p99Micros = seconds * 1e6
    }

    /// A result measured elsewhere (redis-benchmark).
    init(name: String, opsPerSec: Double, p50Micros: Double, p99Micros: Double) {
        self.name = name
        self.opsPerSec = opsPerSec
        self.p50Micros = p50Micros
        self.p99Micros = p99Micros
    }
}

/// The JSON file the benchmark writes.
struct BenchmarkReport: Codable, Sendable {
    var cases: [BenchmarkResult]
}

/// A latency histogram in nanoseconds, up to one minute, three significant digits.
func makeLatencyHistogram() -> Histogram<UInt64> {
    Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
}

extension Duration {
    /// Whole nanoseconds, for histograms.
    var nanoseconds: UInt64 {
        let parts = components
        return UInt64(max(0, parts.seconds * 1_000_000_000 + parts.attoseconds / 1_000_000_000))
    }
}
