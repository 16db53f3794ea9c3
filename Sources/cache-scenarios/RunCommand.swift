import ArgumentParser
import Foundation
import Logging
import RedisServerSupport
import ScenarioKit
import ScenarioReport

/// `cache-scenarios run`: runs the scenarios and writes the validation report.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run scenarios and write validation-report.md/.json (exit 0 only when every expectation holds).")

    @OptionGroup var shared: SharedOptions

    @Flag(help: "Scale every scenario down (fewer requests, shorter waits) while keeping every phase and fault.")
    var quick = false

    @Option(help: "Replace every scenario's seed.")
    var seed: UInt64?

    @Option(help: "Where to write the report.")
    var out: String = "reports"

    func run() async throws {
        shared.bootstrapLogging()
        let files = try loadFiles(shared.scenarioPaths)
        var scenarios: [Scenario] = []
        for file in files {
            do {
                scenarios.append(try ScenarioParser.load(file: file))
            } catch {
                printError("invalid scenario: \(error)")
                throw ExitCode(2)
            }
        }
        let logger = Logger(label: "cache-scenarios")
        var cacheLogger = Logger(label: "cache")
        cacheLogger.logLevel = shared.cacheLogLevel
        let cleanup = ProcessCleanup()
        let trap = SignalTrap(cleanup: cleanup)
        defer { trap.disarm() }

        let display = ProgressDisplay(interactive: standardErrorIsTerminal())
        let runner = ScenarioRunner(options: ScenarioRunner.Options(
            quick: quick, seed: seed, logger: logger, cacheLogger: cacheLogger,
            progress: { display.update($0) }, cleanup: cleanup))

        let startedAt = Date()
        let clock = ContinuousClock()
        let start = clock.now
        var results: [ScenarioResult] = []
        var warmedUp: ClusterWarmUp?
        for (index, scenario) in scenarios.enumerated() {
            display.begin(scenario, index: index, of: scenarios.count)
            // The next scenario's cluster nodes start while this one runs (see ScenarioRunner.warmUp).
            let next = index + 1 < scenarios.count ? runner.warmUp(scenarios[index + 1]) : nil
            let result = await runner.run(scenario, warmedUp: warmedUp)
            warmedUp = next
            display.finish(result)
            results.append(result)
        }
        await warmedUp?.discard()
        cleanup.cleanUpAll()
        let elapsed = clock.now - start
        let suite = SuiteResult(
            scenarios: results, quick: quick, seedOverride: seed, startedAt: startedAt,
            durationSeconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
            environment: try await DedicatedThread.run { EnvironmentFacts.collect() }, command: reproductionCommand())
        let report = ValidationReport(suite: suite)
        let directory = URL(fileURLWithPath: out, isDirectory: true)
        do {
            let written = try report.write(to: directory)
            print(report.verdict)
            print("report: \(written.map(\.path).joined(separator: ", "))")
        } catch {
            printError("could not write the report to \(out): \(error)")
            throw ExitCode(3)
        }
        if !suite.passed { throw ExitCode(1) }
    }

    /// The command that reproduces this run.
    private func reproductionCommand() -> String {
        var arguments = ["swift", "run", "-c", "release", "cache-scenarios", "run"]
        arguments += shared.paths
        if quick { arguments.append("--quick") }
        if let seed { arguments += ["--seed", String(seed)] }
        if out != "reports" { arguments += ["--out", out] }
        return arguments.joined(separator: " ")
    }
}
