/// When a ``CircuitBreaker`` opens, how long it stays open, and how it probes before closing.
///
/// The breaker opens after ``consecutiveFailures`` failures in a row, or when at least ``minimumCalls``
/// calls in the last ``window`` failed at a ratio of ``failureRatio`` or more (timeouts count as
/// failures). While open, KV calls fail at once; after the cool-down the breaker probes the tier itself
/// with a `PING` in the background (half-open): its success closes the breaker, its failure opens it again
/// for a longer cool-down (exponential backoff with jitter, up to ``maximumCoolDown``). An authentication
/// failure opens it for ``authenticationCoolDown``: retrying a wrong password sooner only fills logs.
///
/// Why the cool-downs are short (100 ms, 150 ms, 225 ms, then 250 ms): the probe is one `PING` per instance,
/// never a request, so probing costs no caller anything and the tier next to nothing (at most four `PING`s a
/// second per instance while the tier fails fast; a tier that times out is probed once per deadline, since
/// the cool-down counts from the probe's start), while every cool-down is time the tier sits unused after it
/// came back. With a 250 ms ceiling the cache is back on the KV tier within about a quarter of a second of the
/// tier's return (plus the store's own reconnection), however long the outage: short recovery phases (0.3 s
/// in `kv-failing`'s quick run, a `LOADING` that ends) were missed by the 500 ms ceiling used before.
public struct CircuitBreakerPolicy: Sendable, Hashable {
    /// Failures in a row that open the breaker.
    public var consecutiveFailures: Int
    /// The failure ratio over ``window`` that opens the breaker (with at least ``minimumCalls`` calls).
    public var failureRatio: Double
    /// The sliding window the ratio is measured over.
    public var window: Duration
    /// Calls needed in the window before the ratio is considered.
    public var minimumCalls: Int
    /// The first cool-down after the breaker opens.
    public var coolDown: Duration
    /// The longest cool-down between failed probes.
    public var maximumCoolDown: Duration
    /// The cool-down after an authentication failure.
    public var authenticationCoolDown: Duration
    /// The share of a cool-down drawn at random and added or removed (0.2 = ±20 %), so instances that
    /// failed together do not probe together.
    public var jitter: Double
    /// Whether the breaker is used at all; off, every call goes to the KV tier as before.
    public var isEnabled: Bool

    /// Creates a policy; the defaults open after 5 failures in a row or half of 20+ calls in 10 s, and
    /// probe after 100 ms, then 150 ms, 225 ms, then every 250 ms (±20 %).
    public init(
        consecutiveFailures: Int = 5,
        failureRatio: Double = 0.5,
        window: Duration = .seconds(10),
        minimumCalls: Int = 20,
        coolDown: Duration = .milliseconds(100),
        maximumCoolDown: Duration = .milliseconds(250),
        authenticationCoolDown: Duration = .seconds(60),
        jitter: Double = 0.2,
        isEnabled: Bool = true
    ) {
        self.consecutiveFailures = max(1, consecutiveFailures)
        self.failureRatio = min(1, max(0.01, failureRatio))
        self.window = max(.milliseconds(10), window)
        self.minimumCalls = max(1, minimumCalls)
        self.coolDown = max(.milliseconds(1), coolDown)
        self.maximumCoolDown = max(self.coolDown, maximumCoolDown)
        self.authenticationCoolDown = max(.milliseconds(1), authenticationCoolDown)
        self.jitter = min(0.9, max(0, jitter))
        self.isEnabled = isEnabled
    }

    /// A breaker that never opens.
    public static let disabled = CircuitBreakerPolicy(isEnabled: false)
}
