extension Scenario {
    /// The scenario as it runs: scaled down by its ``QuickScaling`` when `quick`, with its seed replaced by
    /// `seed` when one is given. Every phase and every fault is kept; request triggers and pauses shrink
    /// with the run, never below what the fault needs to show (at least one request per phase).
    public func prepared(quick: Bool, seed: UInt64?) -> Scenario {
        var scenario = self
        if let seed { scenario.workload.seed = seed }
        guard quick else { return scenario }
        let factor = self.quick.requestScale
        let fullRequests = workload.requests
        scenario.workload.requests = max(1, Int((Double(fullRequests) * factor).rounded()))
        scenario.origin.latencyScale = origin.latencyScale * self.quick.latencyScale
        // A paced phase shrinks in time like every other duration: its requests shrink by `requestScale` and its
        // duration by `timeScale`, so the rate becomes rate × requestScale / timeScale (unpaced when timeScale is 0).
        let timeScale = self.quick.timeScale
        scenario.workload.ratePerSecond = workload.ratePerSecond.flatMap { timeScale > 0 ? $0 * factor / timeScale : nil }
        // Phases that started at different request counts stay apart: each gets at least one request, so no
        // phase is judged on an empty sample because rounding merged it with the one before.
        var lastPhaseStart: (original: Int, scaled: Int)?
        scenario.timeline = timeline.map { event in
            var event = event
            switch event.trigger {
            case .afterRequests(let count):
                var scaled = min(scenario.workload.requests, Int((Double(count) * factor).rounded()))
                if event.phase != nil {
                    if let last = lastPhaseStart, count > last.original {
                        scaled = min(scenario.workload.requests, max(scaled, last.scaled + 1))
                    }
                    lastPhaseStart = (count, scaled)
                }
                event.trigger = .afterRequests(scaled)
            case .afterSeconds(let seconds):
                event.trigger = .afterSeconds(seconds * self.quick.timeScale)
            }
            if case .pause(let milliseconds, true) = event.action {
                event.action = .pause(milliseconds: Int((Double(milliseconds) * self.quick.timeScale).rounded()), scaledInQuickMode: true)
            }
            return event
        }
        return scenario
    }
}
