import Histogram

/// Runs an async operation from `concurrency` tasks for a fixed time, timing every call: on the cooperative
/// pool as application callers would, or preferring `executor` (the store's I/O thread).
///
/// With `operations`, the case stops after that many calls in all instead of after `duration`: a fixed
/// amount of work, so that instruction counts (`valgrind --tool=callgrind`) and context switches
/// (`perf stat`) can be divided by the number of operations, which timing on a loaded machine cannot give.
enum ConcurrentCaseRunner {
    static func run(
        name: String,
        concurrency: Int,
        duration: Duration,
        operations limit: Int? = nil,
        executor: (any TaskExecutor)? = nil,
        operation: @escaping @Sendable () async throws -> Void
    ) async throws -> BenchmarkResult {
        let clock = ContinuousClock()
        let started = clock.now
        let end = limit == nil ? started + duration : started + .seconds(86_400)
        let budget = OperationBudget(limit: limit)
        let (operations, latencies) = try await withThrowingTaskGroup(of: (Int, Histogram<UInt64>).self) { group in
            for _ in 0..<concurrency {
                group.addTask(executorPreference: executor) {
                    var latencies = makeLatencyHistogram()
                    var operations = 0
                    while true {
                        let before = clock.now
                        if before >= end { break }
                        if !budget.take() { break }
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
