import Foundation
import ScenarioKit
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Shows the run's progress on stderr: on a terminal, a bar per scenario redrawn in place with the live hit
/// rate and fallbacks; otherwise one plain line when a scenario starts and one when it ends.
final class ProgressDisplay: Sendable {
    private let interactive: Bool
    private let state = Mutex<(lastDraw: ContinuousClock.Instant?, label: String)>((nil, ""))

    init(interactive: Bool) { self.interactive = interactive }

    func begin(_ scenario: Scenario, index: Int, of total: Int) {
        let label = "[\(index + 1)/\(total)] \(scenario.name)"
        state.withLock { $0 = (nil, label) }
        if !interactive { printError("\(label): running (\(scenario.title))") }
    }

    func update(_ progress: ScenarioProgress) {
        guard interactive else { return }
        let line: String? = state.withLock { state in
            let now = ContinuousClock.now
            if let last = state.lastDraw, now - last < .milliseconds(100), progress.completed < progress.total { return nil }
            state.lastDraw = now
            let width = 28
            let filled = progress.total == 0 ? 0 : min(width, progress.completed * width / progress.total)
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            let rate = String(format: "%5.1f%%", progress.hitRate * 100)
            return "\(state.label) \(progress.variant) \(bar) \(progress.completed)/\(progress.total) hit \(rate) "
                + "fallbacks \(progress.fallbacks)\(progress.problems > 0 ? " PROBLEMS \(progress.problems)" : "") · \(progress.phase)"
        }
        if let line { writeError("\r\u{1B}[2K" + line) }
    }

    func finish(_ result: ScenarioResult) {
        let label = state.withLock { $0.label }
        let metrics = result.primary?.metrics
        let held = result.expectations.filter(\.passed).count
        var line = "\(result.passed ? "✓" : "✗") \(label): \(held)/\(result.expectations.count) expectations, "
        if let metrics {
            line += "\(metrics.requests) requests, hit rate \(String(format: "%.1f", metrics.hitRate * 100)) % "
            line += "(optimum \(String(format: "%.1f", metrics.optimalHitRate * 100)) %), fallbacks \(metrics.fallbacks), "
            line += "failed \(metrics.failedRequests), wrong \(metrics.wrongAnswers), "
        }
        line += String(format: "%.1f s", result.durationSeconds)
        if let error = result.error { line += " — \(error)" }
        for outcome in result.expectations where !outcome.passed {
            line += "\n    ✗ \(outcome.expectation): measured \(outcome.measured), threshold \(outcome.threshold)"
        }
        writeError((interactive ? "\r\u{1B}[2K" : "") + line + "\n")
    }
}
