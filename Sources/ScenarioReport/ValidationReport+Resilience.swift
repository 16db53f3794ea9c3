import ScenarioKit

extension ValidationReport {
    /// Per phase, what the fail-fast and fail-safe machinery did (issue 11): stale answers served, requests that
    /// still waited for the KV deadline, what a request cost while its instance's circuit breaker was open, and
    /// the KV writes kept, replayed and dropped. Left out of a run where none of it happened.
    func resilienceTable(_ variant: VariantResult) -> String {
        let whole = variant.metrics
        let anything = whole.staleAnswers + whole.deadlineWaits + whole.openCircuitRequests > 0
            || [whole.writesQueued, whole.writesReplayed, whole.writesDropped].contains { !$0.isNaN && $0 > 0 }
        guard anything else { return "" }
        var out = "| Phase | Stale answers | Waited for the deadline | In-cache p99 ms | Sent while breaker open "
        out += "| In-cache p99 while open ms | Writes queued | Writes replayed | Writes dropped |\n"
        out += "|---|---|---|---|---|---|---|---|---|\n"
        func count(_ value: Double) -> String { value.isNaN ? "–" : ScenarioMetric.format(value) }
        let rows = variant.phases + [PhaseResult(name: "whole run", fault: false, startMilliseconds: 0, endMilliseconds: 0, metrics: whole)]
        for phase in rows {
            let metrics = phase.metrics
            out += "| \(Self.cell(phase.name)) | \(metrics.staleAnswers) | \(metrics.deadlineWaits) "
            out += "| \(Self.ms(metrics.cacheOverheadP99Milliseconds)) | \(metrics.openCircuitRequests) "
            out += "| \(metrics.openCircuitRequests == 0 ? "–" : Self.ms(metrics.openCircuitOverheadP99Milliseconds)) "
            out += "| \(count(metrics.writesQueued)) | \(count(metrics.writesReplayed)) | \(count(metrics.writesDropped)) |\n"
        }
        var transitions = ""
        if !variant.circuitTransitions.isEmpty {
            let opened = variant.circuitTransitions.filter { $0.state == "open" }.count
            let closed = variant.circuitTransitions.filter { $0.state == "closed" }.count
            transitions = " Circuit breakers opened \(opened) times and closed \(closed) times (marked on the timeline)."
        }
        return out + "\nA request \"waited for the deadline\" when it spent at least the KV deadline in the cache.\(transitions)\n\n"
    }
}
