import Synchronization

/// A flag that can be claimed once.
final class OnceFlag: Sendable {
    private let taken = Mutex(false)

    /// True for the first caller only.
    func claim() -> Bool {
        taken.withLock { taken in
            if taken { return false }
            taken = true
            return true
        }
    }
}
