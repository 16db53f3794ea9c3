import Foundation
import ScenarioKit

/// The before/after chart: the same trace against memory-only and against KV, by request position —
/// hit rate above, mean latency (origin at scale 1) below — with deploys and cold starts marked.
struct ComparisonChart {
    let scenario: ScenarioResult
    let kv: VariantResult
    let memoryOnly: VariantResult

    private let width = 960.0
    private let left = 64.0
    private let right = 16.0
    private let rateTop = 44.0
    private let rateHeight = 150.0
    private let latencyTop = 240.0
    private let latencyHeight = 150.0
    private var plotWidth: Double { width - left - right }

    func svg() -> String {
        let total = Double(max(kv.metrics.requests, memoryOnly.metrics.requests, 1))
        let worst = (kv.requestSlices + memoryOnly.requestSlices).map(\.meanPlanLatencyMilliseconds).max() ?? 1
        let ceiling = max(100, (worst / 500).rounded(.up) * 500)
        func x(_ index: Double) -> Double { left + index / total * plotWidth }
        func yRate(_ rate: Double) -> Double { rateTop + rateHeight * (1 - rate) }
        func yLatency(_ ms: Double) -> Double { latencyTop + latencyHeight * (1 - min(ms, ceiling) / ceiling) }
        let height = latencyTop + latencyHeight + 40
        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="11">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(left)" y="18" font-size="14" font-weight="bold">Before/after on the same trace: memory-only (grey, dashed) vs KV (blue)</text>
        <text x="\(left)" y="\(rateTop - 6)">hit rate per slice of requests</text>
        <text x="\(left)" y="\(latencyTop - 6)">mean latency per slice, ms, origin at scale 1 (plan-comparable)</text>

        """
        for event in kv.events where event.description.hasPrefix("deploy") || event.description.hasPrefix("cold start") {
            let position = x(Double(event.afterRequests))
            out += "<line x1=\"\(f(position))\" y1=\"\(rateTop)\" x2=\"\(f(position))\" y2=\"\(latencyTop + latencyHeight)\" stroke=\"#c60\" stroke-dasharray=\"3,3\"/>\n"
            out += "<text x=\"\(f(position + 2))\" y=\"\(latencyTop + latencyHeight + 14)\" fill=\"#c60\">\(event.description.hasPrefix("deploy") ? "deploy" : "cold start")</text>\n"
        }
        for rate in [0.0, 0.25, 0.5, 0.75, 1.0] {
            out += "<line x1=\"\(left)\" y1=\"\(f(yRate(rate)))\" x2=\"\(width - right)\" y2=\"\(f(yRate(rate)))\" stroke=\"#eee\"/>\n"
            out += "<text x=\"\(left - 4)\" y=\"\(f(yRate(rate) + 4))\" text-anchor=\"end\">\(Int(rate * 100)) %</text>\n"
        }
        for step in 0...4 {
            let value = ceiling * Double(step) / 4
            out += "<line x1=\"\(left)\" y1=\"\(f(yLatency(value)))\" x2=\"\(width - right)\" y2=\"\(f(yLatency(value)))\" stroke=\"#eee\"/>\n"
            out += "<text x=\"\(left - 4)\" y=\"\(f(yLatency(value) + 4))\" text-anchor=\"end\">\(Int(value))</text>\n"
        }
        out += "<rect x=\"\(left)\" y=\"\(rateTop)\" width=\"\(f(plotWidth))\" height=\"\(rateHeight)\" fill=\"none\" stroke=\"#333\"/>\n"
        out += "<rect x=\"\(left)\" y=\"\(latencyTop)\" width=\"\(f(plotWidth))\" height=\"\(latencyHeight)\" fill=\"none\" stroke=\"#333\"/>\n"
        out += "<text x=\"\(width - right)\" y=\"\(height - 6)\" text-anchor=\"end\">requests sent: \(Int(total))</text>\n"
        for (variant, color, dash) in [(memoryOnly, "#888", " stroke-dasharray=\"5,4\""), (kv, "#1f6feb", "")] {
            let slices = variant.requestSlices.filter { $0.requests > 0 }
            let rates = slices.compactMap { slice in slice.hitRate.map { "\(f(x(Double(slice.firstRequest) + Double(slice.requests) / 2))),\(f(yRate($0)))" } }
            let latencies = slices.map { "\(f(x(Double($0.firstRequest) + Double($0.requests) / 2))),\(f(yLatency($0.meanPlanLatencyMilliseconds)))" }
            out += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(dash) points=\"\(rates.joined(separator: " "))\"/>\n"
            out += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(dash) points=\"\(latencies.joined(separator: " "))\"/>\n"
        }
        out += "</svg>\n"
        return out
    }

    private func f(_ value: Double) -> String { String(format: "%.1f", value) }
}
