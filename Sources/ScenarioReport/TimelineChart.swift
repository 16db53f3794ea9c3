import Foundation
import ScenarioKit

/// A hand-written SVG of a run over time: mean and worst latency (log scale) above, hit rate below,
/// fault windows shaded and phases labelled.
struct TimelineChart {
    let scenario: ScenarioResult
    let primary: VariantResult

    private let width = 960.0
    private let left = 64.0
    private let right = 16.0
    private let latencyTop = 40.0
    private let latencyHeight = 200.0
    private let rateTop = 290.0
    private let rateHeight = 120.0
    private var plotWidth: Double { width - left - right }
    private var legendTop: Double { rateTop + rateHeight + 34 }
    private var legendLines: [String] {
        // Phases are numbered on the plot and named here, so short phases do not overprint each other.
        var lines: [String] = []
        var current = ""
        for (index, phase) in primary.phases.enumerated() {
            let item = "\(index + 1) \(phase.name)\(phase.fault ? " ⚡" : "")"
            if current.count + item.count > 140 {
                lines.append(current)
                current = ""
            }
            current += (current.isEmpty ? "" : "   ") + item
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }
    private var height: Double { legendTop + Double(legendLines.count) * 15 + 10 }

    func svg() -> String {
        let endTime = max(
            primary.timeSeries.last.map { $0.startMilliseconds + $0.widthMilliseconds } ?? 1,
            primary.phases.last?.endMilliseconds ?? 1)
        let series = [primary]
        let span = max(endTime, 1)
        let worst = series.flatMap(\.timeSeries).map(\.maxLatencyMilliseconds).max() ?? 1
        let latencyCeiling = pow(10, ceil(log10(max(worst, 10))))
        let floorValue = 0.1
        func x(_ ms: Double) -> Double { left + ms / span * plotWidth }
        func yLatency(_ ms: Double) -> Double {
            let clamped = max(ms, floorValue)
            let fraction = log10(clamped / floorValue) / log10(latencyCeiling / floorValue)
            return latencyTop + latencyHeight * (1 - fraction)
        }
        func yRate(_ rate: Double) -> Double { rateTop + rateHeight * (1 - rate) }

        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="11">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(left)" y="18" font-size="14" font-weight="bold">\(escape(scenario.title))</text>
        <text x="\(left)" y="\(latencyTop - 6)">request latency, ms (log scale): mean per slice (solid), worst per slice (thin)</text>
        <text x="\(left)" y="\(rateTop - 6)">hit rate per slice (red dots: failed requests); shaded: fault windows</text>

        """
        // Fault windows and phase labels.
        for phase in primary.phases {
            let x0 = x(phase.startMilliseconds)
            let x1 = x(phase.endMilliseconds)
            if phase.fault {
                out += "<rect x=\"\(f(x0))\" y=\"\(latencyTop)\" width=\"\(f(max(1, x1 - x0)))\" height=\"\(rateTop + rateHeight - latencyTop)\" fill=\"#f8d0d0\" opacity=\"0.6\"/>\n"
            }
            out += "<line x1=\"\(f(x0))\" y1=\"\(latencyTop)\" x2=\"\(f(x0))\" y2=\"\(rateTop + rateHeight)\" stroke=\"#999\" stroke-dasharray=\"2,3\"/>\n"
        }
        // Phase numbers, staggered in two rows so adjacent short phases stay readable.
        for (index, phase) in primary.phases.enumerated() {
            let y = rateTop + rateHeight + 12 + (index % 2 == 0 ? 0 : 10)
            out += "<text x=\"\(f(x(phase.startMilliseconds) + 2))\" y=\"\(f(y))\" fill=\"\(phase.fault ? "#b00" : "#555")\">\(index + 1)</text>\n"
        }
        for (line, text) in legendLines.enumerated() {
            out += "<text x=\"\(left)\" y=\"\(f(legendTop + Double(line) * 15))\" fill=\"#333\">phases: \(escape(text))</text>\n"
        }
        // Axes and gridlines.
        var tick = floorValue
        while tick <= latencyCeiling * 1.001 {
            let y = yLatency(tick)
            out += "<line x1=\"\(left)\" y1=\"\(f(y))\" x2=\"\(width - right)\" y2=\"\(f(y))\" stroke=\"#eee\"/>\n"
            out += "<text x=\"\(left - 4)\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(ScenarioMetric.format(tick))</text>\n"
            tick *= 10
        }
        if scenario.kvDeadlineMilliseconds > 0, Double(scenario.kvDeadlineMilliseconds) <= latencyCeiling {
            let y = yLatency(Double(scenario.kvDeadlineMilliseconds))
            out += "<line x1=\"\(left)\" y1=\"\(f(y))\" x2=\"\(width - right)\" y2=\"\(f(y))\" stroke=\"#d80\" stroke-dasharray=\"6,3\"/>\n"
            out += "<text x=\"\(width - right - 4)\" y=\"\(f(y - 3))\" text-anchor=\"end\" fill=\"#d80\">KV deadline \(scenario.kvDeadlineMilliseconds) ms</text>\n"
        }
        for rate in [0.0, 0.25, 0.5, 0.75, 1.0] {
            let y = yRate(rate)
            out += "<line x1=\"\(left)\" y1=\"\(f(y))\" x2=\"\(width - right)\" y2=\"\(f(y))\" stroke=\"#eee\"/>\n"
            out += "<text x=\"\(left - 4)\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(Int(rate * 100)) %</text>\n"
        }
        out += "<rect x=\"\(left)\" y=\"\(latencyTop)\" width=\"\(f(plotWidth))\" height=\"\(latencyHeight)\" fill=\"none\" stroke=\"#333\"/>\n"
        out += "<rect x=\"\(left)\" y=\"\(rateTop)\" width=\"\(f(plotWidth))\" height=\"\(rateHeight)\" fill=\"none\" stroke=\"#333\"/>\n"
        out += "<text x=\"\(width - right)\" y=\"\(rateTop + rateHeight + 22)\" text-anchor=\"end\">time since start: \(String(format: "%.1f", span / 1000)) s</text>\n"

        out += circuitMarks(x: x)
        for variant in series {
            let color = "#1f6feb"
            let dash = ""
            let points = variant.timeSeries.filter { $0.requests > 0 }
            let mean = points.map { "\(f(x($0.startMilliseconds + $0.widthMilliseconds / 2))),\(f(yLatency($0.meanLatencyMilliseconds)))" }
            let worstPoints = points.map { "\(f(x($0.startMilliseconds + $0.widthMilliseconds / 2))),\(f(yLatency($0.maxLatencyMilliseconds)))" }
            let rates = points.compactMap { point in point.hitRate.map { "\(f(x(point.startMilliseconds + point.widthMilliseconds / 2))),\(f(yRate($0)))" } }
            out += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(dash) points=\"\(mean.joined(separator: " "))\"/>\n"
            out += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"0.8\" opacity=\"0.6\"\(dash) points=\"\(worstPoints.joined(separator: " "))\"/>\n"
            out += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(dash) points=\"\(rates.joined(separator: " "))\"/>\n"
            for point in points where point.failed > 0 {
                out += "<circle cx=\"\(f(x(point.startMilliseconds + point.widthMilliseconds / 2)))\" cy=\"\(f(yRate(point.hitRate ?? 0)))\" r=\"4\" fill=\"red\"/>\n"
            }
        }
        out += "</svg>\n"
        return out
    }

    /// The circuit breakers' transitions as ticks in a band above the latency plot, one row per instance that
    /// ever left the closed state: open (red, ▼), half-open (amber), closed (green, ▲); a bar spans each
    /// stretch the breaker was not closed, so a reader sees at a glance how long requests skipped the KV tier.
    private func circuitMarks(x: (Double) -> Double) -> String {
        let transitions = primary.circuitTransitions
        guard !transitions.isEmpty else { return "" }
        let instances = Array(Set(transitions.map(\.instance))).sorted()
        let bandTop = latencyTop + 2
        let rowHeight = min(6.0, (latencyHeight / 3) / Double(max(1, instances.count)))
        var out = "<text x=\"\(f(width - right - 4))\" y=\"\(latencyTop - 6)\" text-anchor=\"end\" fill=\"#b00\">"
            + "circuit breaker per instance: red open, amber half-open, green closed</text>\n"
        let end = primary.phases.last?.endMilliseconds ?? transitions.last?.atMilliseconds ?? 0
        for (row, instance) in instances.enumerated() {
            let y = bandTop + Double(row) * rowHeight
            let own = transitions.filter { $0.instance == instance }
            for (index, transition) in own.enumerated() {
                let until = index + 1 < own.count ? own[index + 1].atMilliseconds : end
                let color: String
                switch transition.state {
                case "open": color = "#d1242f"
                case "half_open": color = "#d4a72c"
                default: color = "#2da44e"
                }
                if transition.state != "closed" {
                    out += "<rect x=\"\(f(x(transition.atMilliseconds)))\" y=\"\(f(y))\" width=\"\(f(max(1, x(until) - x(transition.atMilliseconds))))\" "
                        + "height=\"\(f(max(2, rowHeight - 1)))\" fill=\"\(color)\" opacity=\"0.8\"/>\n"
                }
                out += "<line x1=\"\(f(x(transition.atMilliseconds)))\" y1=\"\(f(y))\" x2=\"\(f(x(transition.atMilliseconds)))\" "
                    + "y2=\"\(f(latencyTop + latencyHeight))\" stroke=\"\(color)\" stroke-width=\"0.6\" opacity=\"0.5\">"
                    + "<title>instance \(instance): \(transition.state) at \(f(transition.atMilliseconds)) ms</title></line>\n"
            }
        }
        return out
    }

    private func f(_ value: Double) -> String { String(format: "%.1f", value) }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
