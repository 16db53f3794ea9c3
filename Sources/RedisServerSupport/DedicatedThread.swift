import Foundation

/// Runs blocking work (socket calls with timeouts, waiting for a process) on a thread of its own, so
/// that it never occupies a thread of Swift's cooperative pool, which on a 2-core machine has two.
public enum DedicatedThread {
    /// Runs `body` on a new thread and returns its result; the calling task suspends meanwhile.
    public static func run<Result: Sendable>(
        _ body: @escaping @Sendable () throws -> Result
    ) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Swift.Result { try body() })
            }
            thread.name = "redis-server-support"
            thread.start()
        }
    }
}
