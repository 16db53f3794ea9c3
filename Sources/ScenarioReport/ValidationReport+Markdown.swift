import Foundation
import ScenarioKit

extension ValidationReport {
    /// `validation-report.md`.
    public func markdown() -> String {
        var out = "# Validation report — persistent cache\n\n"
        out += "**Verdict: \(suite.passed ? "✅" : "❌") \(verdict)**\n\n"
        out += "Generated \(Self.timestamp(suite.startedAt)) in \(String(format: "%.1f", suite.durationSeconds)) s"
        out += suite.quick ? " (quick mode: scenarios scaled down, every phase and fault kept)." : "."
        out += " Reproduce with `\(suite.command)`.\n\n"
        out += summaryTable()
        out += planImpactSection()
        out += insightsSection()
        for scenario in suite.scenarios {
            out += scenarioSection(scenario)
        }
        out += reproductionSection()
        return out
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    static func percent(_ value: Double) -> String { value.isFinite ? String(format: "%.1f %%", value * 100) : "n/a" }
    static func ms(_ value: Double) -> String { value.isFinite ? String(format: "%.1f", value) : "n/a" }
    static func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }

    func summaryTable() -> String {
        var out = "| | Scenario | Expectations | Requests | Failed | Wrong | Hit rate (optimum) | Fallbacks | p99 ms | Max ms | Time |\n"
        out += "|---|---|---|---|---|---|---|---|---|---|---|\n"
        for scenario in suite.scenarios {
            let held = scenario.expectations.filter(\.passed).count
            let metrics = scenario.primary?.metrics ?? MetricSet()
            out += "| \(scenario.passed ? "✓" : "✗") | [\(Self.cell(scenario.title))](#\(anchor(scenario))) | \(held)/\(scenario.expectations.count) "
            out += "| \(metrics.requests) | \(metrics.failedRequests) | \(metrics.wrongAnswers) "
            out += "| \(Self.percent(metrics.hitRate)) (\(Self.percent(metrics.optimalHitRate))) | \(metrics.fallbacks) "
            out += "| \(Self.ms(metrics.latency.p99)) | \(Self.ms(metrics.latency.max)) | \(String(format: "%.1f", scenario.durationSeconds)) s |\n"
        }
        return out + "\n"
    }

    func anchor(_ scenario: ScenarioResult) -> String { "scenario-\(scenario.name)" }

    func planImpactSection() -> String {
        let impact = PlanImpact(suite: suite)
        var out = "## The plan's expected impact beside what was measured\n\n"
        guard let source = impact.source else {
            return out + "No scenario with a memory-only baseline ran, so there is no before/after comparison.\n\n"
        }
        out += "From [\(Self.cell(source.title))](#\(anchor(source))): the same request trace against memory-only instances "
        out += "(the seed's `Map`) and against KV. Latencies are *plan-equivalent*: the cache's own time as measured plus the "
        out += "origin's simulated time at scale 1 (the run used origin latencies ×\(ScenarioMetric.format(source.latencyScale)) to finish quickly).\n\n"
        out += "| Metric | Plan: before | Plan: after | Measured: memory-only | Measured: KV | Meets plan | Note |\n|---|---|---|---|---|---|---|\n"
        for row in impact.rows {
            let meets = row.meetsPlan.map { $0 ? "✓" : "✗" } ?? "n/a"
            out += "| \(row.metric) | \(row.planBefore) | \(row.planAfter) | \(row.measuredBefore) | \(row.measuredAfter) | \(meets) | \(Self.cell(row.note)) |\n"
        }
        if charts()[Self.comparisonChartFileName(for: source)] != nil {
            out += "\n![before/after](\(Self.comparisonChartFileName(for: source)))\n"
        }
        return out + "\n"
    }

    func insightsSection() -> String {
        let insights = ReportInsights(suite: suite)
        var out = "## What was achieved\n\n"
        out += insights.achieved.isEmpty ? "Nothing could be established from this run.\n" : insights.achieved.map { "- \($0)\n" }.joined()
        out += "\n## What to improve next (from the data)\n\n"
        out += insights.next.isEmpty ? "- No weakness stood out in this run's data.\n" : insights.next.map { "- \($0)\n" }.joined()
        return out + "\n"
    }

    func scenarioSection(_ scenario: ScenarioResult) -> String {
        var out = "<a id=\"\(anchor(scenario))\"></a>\n## \(scenario.passed ? "✓" : "✗") \(scenario.title)\n\n"
        if !scenario.description.isEmpty { out += "\(scenario.description)\n\n" }
        out += "`\(scenario.name)` · file `\(scenario.file)` · KV deadline \(scenario.kvDeadlineMilliseconds) ms · "
        out += "origin latency ×\(ScenarioMetric.format(scenario.latencyScale)) · \(String(format: "%.1f", scenario.durationSeconds)) s\n\n"
        if let error = scenario.error { out += "**Run error:** \(error)\n\n" }
        out += "| | Expectation | Measured | Threshold |\n|---|---|---|---|\n"
        for outcome in scenario.expectations {
            let label = outcome.implicit ? "\(outcome.expectation) *(always checked)*" : outcome.expectation
            out += "| \(outcome.passed ? "✓" : "✗") | \(Self.cell(label)) | \(Self.cell(outcome.measured)) | \(Self.cell(outcome.threshold)) |\n"
        }
        out += "\n"
        guard let primary = scenario.primary else { return out }
        out += variantSummary(primary, scenario: scenario)
        if let baseline = scenario.baseline {
            out += sideBySide(kv: primary, memory: baseline)
        }
        out += phaseTable(primary, deadline: scenario.kvDeadlineMilliseconds)
        out += clusterNodeTable(primary)
        if !primary.events.isEmpty {
            out += "Timeline as applied:\n\n"
            for event in primary.events {
                let status = event.error.map { " — **failed: \(Self.cell($0))**" } ?? ""
                out += "- \(String(format: "%.2f", event.atMilliseconds / 1000)) s, after \(event.afterRequests) requests: \(event.description)"
                out += " (\(String(format: "%.0f", event.durationMilliseconds)) ms)\(status)\n"
            }
            out += "\n"
        }
        if !primary.timeSeries.isEmpty { out += "![\(scenario.name) over time](\(Self.chartFileName(for: scenario)))\n\n" }
        let problems = primary.problemSamples + (scenario.baseline?.problemSamples ?? [])
        if !problems.isEmpty {
            out += "Problems seen:\n\n" + problems.map { "- \(Self.cell($0))\n" }.joined() + "\n"
        }
        return out
    }

    func variantSummary(_ variant: VariantResult, scenario: ScenarioResult) -> String {
        let metrics = variant.metrics
        let statistics = variant.cacheStatistics
        var out = "**\(metrics.requests) requests** on \(variant.instancesCreated) instances (mode: \(metrics.mode)): "
        out += "\(metrics.failedRequests) failed, \(metrics.wrongAnswers) wrong · hit rate \(Self.percent(metrics.hitRate)) "
        out += "of an optimum \(Self.percent(metrics.optimalHitRate)) (\(Self.percent(metrics.hitRateVsOptimum)) of it) · "
        out += "hits by tier: KV \(metrics.kvHits), memory \(metrics.memoryHits) · misses \(metrics.computed) "
        out += "(KB \(metrics.kbCalls), LLM \(metrics.llmCalls)) · fallbacks \(metrics.fallbacks)\n\n"
        out += "| Latency (ms) | mean | p50 | p95 | p99 | max |\n|---|---|---|---|---|---|\n"
        out += latencyRow("measured", metrics.latency)
        out += latencyRow("plan-equivalent (origin at scale 1)", metrics.planEquivalentLatency)
        out += "\nWorst time inside the cache (latency − origin time): \(Self.ms(metrics.maxCacheOverheadMilliseconds)) ms "
        out += "(KV deadline \(scenario.kvDeadlineMilliseconds) ms). Cold starts: \(metrics.coldStarts), "
        out += "hit rate \(Self.percent(metrics.coldStartHitRate)), mean \(Self.ms(metrics.coldStartLatencyMilliseconds)) ms.\n\n"
        let errors = statistics.kvErrorsByClass.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        out += "Cache statistics (`TieredCache.statistics()`, all instances): lookups \(statistics.lookups), KV hits \(statistics.kvHits), "
        out += "memory hits \(statistics.memoryHits), misses \(statistics.misses), fallbacks \(statistics.fallbacks); "
        out += "KV errors by class: \(errors.isEmpty ? "none" : errors.joined(separator: ", ")); "
        out += "KV operations \(statistics.kvOperations), mean \(String(format: "%.0f", statistics.kvLatencyMeanMicroseconds)) µs, "
        out += "worst instance p99 \(String(format: "%.0f", statistics.kvLatencyWorstP99Microseconds)) µs, max \(String(format: "%.0f", statistics.kvLatencyMaxMicroseconds)) µs; "
        out += "background writes \(statistics.backgroundWrites) (failed \(statistics.backgroundWriteFailures), dropped \(statistics.backgroundWritesDropped)), "
        out += "write-backs \(statistics.writeBacks).\n\n"
        return out
    }

    func latencyRow(_ label: String, _ statistics: LatencyStatistics) -> String {
        "| \(label) | \(Self.ms(statistics.mean)) | \(Self.ms(statistics.p50)) | \(Self.ms(statistics.p95)) | \(Self.ms(statistics.p99)) | \(Self.ms(statistics.max)) |\n"
    }

    func sideBySide(kv: VariantResult, memory: VariantResult) -> String {
        let a = memory.metrics
        let b = kv.metrics
        var out = "Before/after on the same trace:\n\n| | memory-only | KV | change |\n|---|---|---|---|\n"
        func row(_ name: String, _ before: String, _ after: String, _ change: String) {
            out += "| \(name) | \(before) | \(after) | \(change) |\n"
        }
        func relative(_ before: Double, _ after: Double) -> String {
            before > 0 && before.isFinite && after.isFinite ? String(format: "%+.1f %%", (after / before - 1) * 100) : "n/a"
        }
        row("hit rate (optimum \(Self.percent(b.optimalHitRate)))", Self.percent(a.hitRate), Self.percent(b.hitRate),
            String(format: "%+.1f points", (b.hitRate - a.hitRate) * 100))
        row("mean latency, plan-equivalent ms", Self.ms(a.planEquivalentLatency.mean), Self.ms(b.planEquivalentLatency.mean),
            relative(a.planEquivalentLatency.mean, b.planEquivalentLatency.mean))
        row("p50 / p95 / p99, plan-equivalent ms",
            "\(Self.ms(a.planEquivalentLatency.p50)) / \(Self.ms(a.planEquivalentLatency.p95)) / \(Self.ms(a.planEquivalentLatency.p99))",
            "\(Self.ms(b.planEquivalentLatency.p50)) / \(Self.ms(b.planEquivalentLatency.p95)) / \(Self.ms(b.planEquivalentLatency.p99))", "")
        row("mean / p99 latency, measured ms", "\(Self.ms(a.latency.mean)) / \(Self.ms(a.latency.p99))",
            "\(Self.ms(b.latency.mean)) / \(Self.ms(b.latency.p99))", relative(a.latency.mean, b.latency.mean))
        row("cold-start latency, plan-equivalent ms (\(b.coldStarts) cold starts)", Self.ms(a.coldStartPlanEquivalentMilliseconds),
            Self.ms(b.coldStartPlanEquivalentMilliseconds), relative(a.coldStartPlanEquivalentMilliseconds, b.coldStartPlanEquivalentMilliseconds))
        row("LLM calls", "\(a.llmCalls)", "\(b.llmCalls)", relative(Double(a.llmCalls), Double(b.llmCalls)))
        row("KB calls", "\(a.kbCalls)", "\(b.kbCalls)", relative(Double(a.kbCalls), Double(b.kbCalls)))
        return out + "\n"
    }

    func phaseTable(_ variant: VariantResult, deadline: Int) -> String {
        guard variant.phases.count > 1 else { return "" }
        var out = "| Phase | Fault | Requests | Hit rate | KV hits | Memory hits | Fallbacks (by class) | p95 ms | Max ms | Max in cache ms | First KV hit after ms |\n"
        out += "|---|---|---|---|---|---|---|---|---|---|---|\n"
        for phase in variant.phases {
            let metrics = phase.metrics
            let classes = metrics.fallbacksByClass.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            out += "| \(Self.cell(phase.name)) | \(phase.fault ? "⚡" : "") | \(metrics.requests) | \(Self.percent(metrics.hitRate)) "
            out += "| \(metrics.kvHits) | \(metrics.memoryHits) | \(metrics.fallbacks)\(classes.isEmpty ? "" : " (\(classes))") "
            out += "| \(Self.ms(metrics.latency.p95)) | \(Self.ms(metrics.latency.max)) | \(Self.ms(metrics.maxCacheOverheadMilliseconds)) | \(Self.ms(metrics.timeToFirstKVHitMilliseconds)) |\n"
        }
        out += "\nRequests are counted in the phase in which they were sent; one sent just before a fault may be served under it.\n\n"
        return out + resourceTable(variant) + resilienceTable(variant) + instanceTable(variant)
    }

    /// Per instance slot (a deploy keeps the slot, a cold start adds one): what each one served, and through which
    /// proxy, so a fault aimed at one instance shows on that one only.
    func instanceTable(_ variant: VariantResult) -> String {
        guard variant.instances.count > 1 else { return "" }
        var out = "| Instance | Proxy | Requests | Hit rate | KV hits | Memory hits | Fallbacks | Fault-phase fallbacks | p95 ms | Max in cache ms |\n"
        out += "|---|---|---|---|---|---|---|---|---|---|\n"
        for instance in variant.instances {
            let metrics = instance.metrics
            let faultFallbacks = instance.phases.filter(\.fault).map(\.metrics.fallbacks).reduce(0, +)
            out += "| \(instance.slot) | \(Self.cell(instance.proxy)) | \(metrics.requests) | \(Self.percent(metrics.hitRate)) "
            out += "| \(metrics.kvHits) | \(metrics.memoryHits) | \(metrics.fallbacks) | \(faultFallbacks) "
            out += "| \(Self.ms(metrics.latency.p95)) | \(Self.ms(metrics.maxCacheOverheadMilliseconds)) |\n"
        }
        return out + "\n"
    }

    /// The measures that come from counters rather than request records, per phase: what the caches rejected, what
    /// they lost, how often they (re)connected, and what it cost in CPU.
    func resourceTable(_ variant: VariantResult) -> String {
        var out = "| Phase | Last instance's first KV hit ms | KV errors | Protocol errors | Malformed entries | Background writes lost "
        out += "| Proxy connects | Connects/s | Runner CPU s | redis-server CPU s |\n"
        out += "|---|---|---|---|---|---|---|---|---|---|\n"
        func count(_ value: Double) -> String { value.isNaN ? "–" : ScenarioMetric.format(value) }
        func seconds(_ value: Double) -> String { value.isNaN ? "–" : String(format: "%.3f", value) }
        for phase in variant.phases + [PhaseResult(name: "whole run", fault: false, startMilliseconds: 0, endMilliseconds: 0, metrics: variant.metrics)] {
            let metrics = phase.metrics
            out += "| \(Self.cell(phase.name)) | \(Self.ms(metrics.timeToLastInstanceKVHitMilliseconds)) | \(count(metrics.kvErrors)) "
            out += "| \(count(metrics.protocolErrors)) | \(count(metrics.malformedEntries)) | \(count(metrics.backgroundWritesLost)) "
            out += "| \(count(metrics.proxyConnectionsAccepted)) | \(metrics.connectsPerSecond.isNaN ? "–" : String(format: "%.1f", metrics.connectsPerSecond)) "
            out += "| \(seconds(metrics.runnerCPUSeconds)) | \(seconds(metrics.redisCPUSeconds)) |\n"
        }
        return out + "\nCounters (KV errors to CPU) are read when a phase starts: an error is counted in the phase in which it happened.\n\n"
    }

    func reproductionSection() -> String {
        var out = "## Reproducing this run\n\n```\n\(suite.command)\n```\n\n"
        out += "| | |\n|---|---|\n"
        for (key, value) in suite.environment.sorted(by: { $0.key < $1.key }) { out += "| \(key) | \(Self.cell(value)) |\n" }
        if let seed = suite.seedOverride { out += "| seed (all scenarios) | \(seed) |\n" }
        out += "\nPer-scenario configuration:\n\n"
        for scenario in suite.scenarios {
            let settings = scenario.configuration.sorted { $0.key < $1.key }.filter { $0.key != "timeline" }
                .map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
            out += "- `\(scenario.name)`: \(Self.cell(settings))\n"
        }
        return out + "\n"
    }
}
