/// Runs an operation with a time limit without waiting for it to finish when the limit passes: a request
/// the cache never answers must fail the scenario, not hang the harness.
enum FirstResult {
    /// The operation's value, or `nil` if `limit` passed first (the operation is then cancelled and left
    /// to end on its own).
    static func value<Value: Sendable>(
        within limit: Duration, _ operation: @escaping @Sendable () async -> Value
    ) async -> Value? {
        let claimed = OnceFlag()
        return await withCheckedContinuation { (continuation: CheckedContinuation<Value?, Never>) in
            let timer = Task {
                try? await Task.sleep(for: limit)
                if claimed.claim() { continuation.resume(returning: nil) }
            }
            let work = Task {
                let value = await operation()
                if claimed.claim() {
                    timer.cancel()
                    continuation.resume(returning: value)
                }
            }
            _ = work
        }
    }
}
