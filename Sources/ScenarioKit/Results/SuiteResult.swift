import Foundation

/// A whole run of `cache-scenarios run`: every scenario, and what is needed to reproduce it.
public struct SuiteResult: Sendable, Hashable, Codable {
    /// The scenarios, in the order they ran.
    public var scenarios: [ScenarioResult]
    /// Whether `--quick` scaled the scenarios down.
    public var quick: Bool
    /// The seed given with `--seed`, which replaced every scenario's own.
    public var seedOverride: UInt64?
    /// When the run started.
    public var startedAt: Date
    /// How long it took, in seconds.
    public var durationSeconds: Double
    /// Versions and machine facts (`swift`, `redis-server`, `os`, `cores`, `commit`).
    public var environment: [String: String]
    /// The command that reproduces the run.
    public var command: String

    /// Creates a suite result.
    public init(scenarios: [ScenarioResult], quick: Bool, seedOverride: UInt64?, startedAt: Date, durationSeconds: Double, environment: [String: String], command: String) {
        self.scenarios = scenarios
        self.quick = quick
        self.seedOverride = seedOverride
        self.startedAt = startedAt
        self.durationSeconds = durationSeconds
        self.environment = environment
        self.command = command
    }

    /// Whether every scenario passed.
    public var passed: Bool { !scenarios.isEmpty && scenarios.allSatisfy(\.passed) }
}
