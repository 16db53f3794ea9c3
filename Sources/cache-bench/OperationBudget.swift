import Synchronization

/// How many operations a case may still start, shared by its concurrent callers (`--operations`).
final class OperationBudget: Sendable {
    private let taken = Atomic<Int>(0)
    private let limit: Int

    init(limit: Int?) {
        self.limit = limit ?? Int.max
    }

    /// Takes one operation from the budget; false once it is spent.
    func take() -> Bool {
        taken.wrappingAdd(1, ordering: .relaxed).oldValue < limit
    }
}
