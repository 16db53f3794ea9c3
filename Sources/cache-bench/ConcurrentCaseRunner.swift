import Histogram

/// Runs an async operation from `concurrency` tasks for a fixed time, timing every call: on the cooperative
/// pool as application callers would, or preferring `executor` (the store's I/O thread).
enum ConcurrentCaseRunner {
    static func run(
        name: String,
        concurrency: Int,
        duration: Duration,
        executor: (any TaskExecutor)? = nil,
        operation: @escaping @Sendable () async throws -> Void
    ) async throws -> BenchmarkResult {
        let clock = ContinuousClock()
        let started = clock.now
        let end = started + duration
        let (operations, latencies) = try await withThrowingTaskGroup(of: (Int, Histogram<UInt64>).self) { group in
            for _ in 0..<concurrency {
                group.addTask(executorPreference: executor) {
                    var latencies = makeLatencyHistogram()
                    var operations = 0
                    while true {
                        let before = clock.now
                        if before >= end { break }
                        try await operation()
                        _ = latencies.record((clock.now - before).nanoseconds)
                        operations += 1
                    }
                    return (operations, latencies)
                }
            }
            var total = 0
            var merged = makeLatencyHistogram()
            for try await (operations, latencies) in group {
                total += operations
                merged.add(latencies)
            }
            return (total, merged)
        }
        return BenchmarkResult(name: name, operations: operations, elapsed: clock.now - started, latencies: latencies)
    }

    /// Runs a synchronous operation in batches on the current task, for in-memory structures whose calls
    /// take about as long as reading the clock: each sample is a batch's time divided by its size.
    static func runSynchronous(
        name: String,
        duration: Duration,
        batchSize: Int = 64,
        operation: (Int) -> Void
    ) -> BenchmarkResult {
        let clock = ContinuousClock()
        let started = clock.now
        let end = started + duration
        var latencies = makeLatencyHistogram()
        var operations = 0
        while true {
            let before = clock.now
            if before >= end { break }
            for index in 0..<batchSize { operation(operations &+ index) }
            _ = latencies.record((clock.now - before).nanoseconds / UInt64(batchSize))
            operations += batchSize
        }
        return BenchmarkResult(name: name, operations: operations, elapsed: clock.now - started, latencies: latencies)
    }
}
