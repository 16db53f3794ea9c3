import Synchronization

/// Resumes a continuation once, whoever comes first: the call's own end or the breaker's release.
final class ResumeOnce<T: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<T, Never>?>

    init(_ continuation: CheckedContinuation<T, Never>) {
        self.continuation = Mutex(continuation)
    }

    func resume(_ value: T) {
        let taken = continuation.withLock { held in
            defer { held = nil }
            return held
        }
        taken?.resume(returning: value)
    }
}
