/// How `--quick` scales a scenario down while keeping every phase and every fault.
public struct QuickScaling: Sendable, Hashable {
    /// Requests (and request-count triggers) are multiplied by this factor.
    public var requestScale: Double
    /// Pauses, time triggers and the duration of paced phases are multiplied by this factor.
    public var timeScale: Double
    /// Origin latencies are additionally multiplied by this factor.
    public var latencyScale: Double

    /// Creates a scaling; the defaults cut a scenario to about a quarter.
    public init(requestScale: Double = 0.25, timeScale: Double = 0.25, latencyScale: Double = 0.25) {
        self.requestScale = requestScale
        self.timeScale = timeScale
        self.latencyScale = latencyScale
    }
}
