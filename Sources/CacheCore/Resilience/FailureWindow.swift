/// Calls and failures over a sliding window, kept in ten buckets so memory stays constant.
struct FailureWindow: Sendable {
    private static let bucketCount = 10
    private let bucketWidth: Duration
    private let origin: ContinuousClock.Instant
    private var buckets: [(epoch: Int, calls: Int, failures: Int)]

    init(width: Duration, now: ContinuousClock.Instant) {
        bucketWidth = width / Self.bucketCount
        origin = now
        buckets = Array(repeating: (epoch: -1, calls: 0, failures: 0), count: Self.bucketCount)
    }

    private var currentEpoch = 0

    mutating func record(failed: Bool, now: ContinuousClock.Instant) {
        let epoch = max(0, Int((now - origin) / bucketWidth))
        currentEpoch = max(currentEpoch, epoch)
        let slot = epoch % Self.bucketCount
        if buckets[slot].epoch != epoch { buckets[slot] = (epoch: epoch, calls: 0, failures: 0) }
        buckets[slot].calls += 1
        if failed { buckets[slot].failures += 1 }
    }

    mutating func reset() {
        for index in buckets.indices { buckets[index] = (epoch: -1, calls: 0, failures: 0) }
    }

    private var live: [(epoch: Int, calls: Int, failures: Int)] {
        buckets.filter { $0.epoch >= 0 && $0.epoch > currentEpoch - Self.bucketCount }
    }

    var calls: Int { live.reduce(0) { $0 + $1.calls } }
    var failures: Int { live.reduce(0) { $0 + $1.failures } }
    var failureRatio: Double { calls == 0 ? 0 : Double(failures) / Double(calls) }
}
