/// Collects the cases' results, keeping each case's best round, and skips cases the `--filter` excludes.
final class BenchmarkRecorder {
    private(set) var results: [BenchmarkResult] = []
    private let filter: String?

    init(filter: String?) {
        self.filter = filter
    }

    /// Whether the case `name` is to run: the filter is a comma-separated list; an item matches names that
    /// contain it, or, written `=name`, only that exact name (so one case runs alone, without its variants).
    func wants(_ name: String) -> Bool {
        guard let filter else { return true }
        return filter.split(separator: ",").contains { item in
            item.first == "=" ? name == item.dropFirst() : name.contains(item)
        }
    }

    /// Runs `measure` if the case is wanted, and keeps the better of this round and earlier ones.
    func run(_ name: String, _ measure: () async throws -> BenchmarkResult) async throws {
        guard wants(name) else { return }
        record(try await measure())
    }

    /// Keeps `result` if it is the case's best so far.
    func record(_ result: BenchmarkResult) {
        print("  measured \(result.name): \(Int(result.opsPerSec)) ops/s")
        if let index = results.firstIndex(where: { $0.name == result.name }) {
            if result.opsPerSec > results[index].opsPerSec { results[index] = result }
        } else {
            results.append(result)
        }
    }
}
