import Foundation
import ScenarioKit

/// The validation report of a suite run: `validation-report.md`, `validation-report.json` and one SVG
/// chart per scenario, rendered from a ``SuiteResult`` (this module runs nothing).
public struct ValidationReport: Sendable {
    /// The base name of the report files.
    public static let baseName = "validation-report"

    /// The results rendered.
    public let suite: SuiteResult

    /// Creates a report of a suite run.
    public init(suite: SuiteResult) { self.suite = suite }

    /// The one-line verdict: PASS or FAIL with the counts that justify it.
    public var verdict: String {
        let scenarios = suite.scenarios
        let passedScenarios = scenarios.filter(\.passed).count
        let expectations = scenarios.flatMap(\.expectations)
        let held = expectations.filter(\.passed).count
        let requests = scenarios.compactMap(\.primary).map(\.metrics.requests).reduce(0, +)
            + scenarios.compactMap(\.baseline).map(\.metrics.requests).reduce(0, +)
        let failed = scenarios.flatMap { [$0.primary, $0.baseline].compactMap { $0 } }.map(\.metrics.failedRequests).reduce(0, +)
        let wrong = scenarios.flatMap { [$0.primary, $0.baseline].compactMap { $0 } }.map(\.metrics.wrongAnswers).reduce(0, +)
        let word = suite.passed ? "PASS" : "FAIL"
        return "\(word) — \(passedScenarios)/\(scenarios.count) scenarios passed, \(held)/\(expectations.count) expectations held, "
            + "\(requests) requests, \(failed) failed, \(wrong) wrong answers"
    }

    /// The chart file name of a scenario.
    public static func chartFileName(for scenario: ScenarioResult) -> String {
        let safe = scenario.name.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" }
        return "\(String(safe))-timeline.svg"
    }

    /// The before/after chart file name of a scenario with a baseline.
    public static func comparisonChartFileName(for scenario: ScenarioResult) -> String {
        chartFileName(for: scenario).replacingOccurrences(of: "-timeline.svg", with: "-before-after.svg")
    }

    /// Every chart: file name → SVG text.
    public func charts() -> [String: String] {
        var charts: [String: String] = [:]
        for scenario in suite.scenarios {
            guard let primary = scenario.primary, !primary.timeSeries.isEmpty else { continue }
            charts[Self.chartFileName(for: scenario)] = TimelineChart(scenario: scenario, primary: primary).svg()
            if let baseline = scenario.baseline {
                charts[Self.comparisonChartFileName(for: scenario)] = ComparisonChart(scenario: scenario, kv: primary, memoryOnly: baseline).svg()
            }
        }
        return charts
    }

    /// Writes the markdown, the JSON and the charts into `directory` (created if needed); returns the
    /// files written.
    @discardableResult
    public func write(to directory: URL) throws -> [URL] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var written: [URL] = []
        let markdownURL = directory.appendingPathComponent("\(Self.baseName).md")
        try markdown().write(to: markdownURL, atomically: true, encoding: .utf8)
        written.append(markdownURL)
        let jsonURL = directory.appendingPathComponent("\(Self.baseName).json")
        try json().write(to: jsonURL, options: .atomic)
        written.append(jsonURL)
        for (name, svg) in charts().sorted(by: { $0.key < $1.key }) {
            let url = directory.appendingPathComponent(name)
            try svg.write(to: url, atomically: true, encoding: .utf8)
            written.append(url)
        }
        return written
    }
}
