/// What happened to one request: who served it, how long it took, whether the answer was right.
public struct RequestRecord: Sendable, Hashable, Codable {
    /// How the request was answered.
    public enum Outcome: String, Sendable, Hashable, Codable {
        /// A KV hit.
        case kv
        /// A memory hit.
        case memory
        /// A miss: the origin computed the answer.
        case computed
        /// The request threw or did not finish in time.
        case failed
    }

    /// The position in the trace.
    public var index: Int
    /// The question's text (the cache key).
    public var question: String
    /// The serving instance (numbered from 0 in creation order).
    public var instance: Int
    /// The phase the request was sent in (index into the run's phases).
    public var phase: Int
    /// When the request was sent, in milliseconds since the run started.
    public var startMilliseconds: Double
    /// How long the caller waited, in milliseconds.
    public var latencyMilliseconds: Double
    /// Time spent in the origin (compute closure), in milliseconds; 0 on a hit.
    public var originMilliseconds: Double
    /// The origin's simulated latency at scale 1, in milliseconds; 0 on a hit.
    public var unscaledOriginMilliseconds: Double
    /// How it was answered.
    public var outcome: Outcome
    /// Who computed the answer, on a miss (`kb` or `llm`).
    public var responder: OriginSimulator.Responder?
    /// The KV error class seen during the request (a fallback), if any.
    public var kvError: String?
    /// Why the answer was wrong, if it was.
    public var wrongAnswer: String?
    /// Why the request failed, if it did.
    public var failure: String?
    /// The serving instance's mode (`redis`, `memory-only`, …).
    public var mode: String
    /// Whether this was the first request of its instance (a cold start).
    public var isColdStart: Bool
    /// Whether the cache marked the answer stale (fail-safe).
    public var isStale = false
    /// Whether the instance's circuit breaker was open (or half-open) when the cache call began (read in the
    /// request's task just before the call, since the state can change while the harness starts that task).
    public var circuitOpenAtStart = false
    /// Whether the request spent at least the KV deadline in the cache: it waited for the KV tier in vain.
    public var waitedForDeadline = false
    /// Whether the answer came from another caller's concurrent computation (single-flight): the request's
    /// wait was for that origin call, which its own origin time does not show.
    public var sharedComputation = false
    /// How long the `getOrCompute` call itself took, in milliseconds (origin time included), measured inside the
    /// request's task; `nil` if it never returned. ``latencyMilliseconds`` also holds the harness's own task
    /// hand-offs around the call, which on a busy 2-core machine reach milliseconds and are not the cache's.
    public var cacheCallMilliseconds: Double?
    /// Whether this request's own `compute` called the origin (a follower that shared another request's
    /// computation did not, although its `responder` names the call it waited for): origin calls count these.
    public var calledOrigin = false

    /// Creates a record.
    public init(
        index: Int, question: String, instance: Int, phase: Int, startMilliseconds: Double, latencyMilliseconds: Double,
        originMilliseconds: Double, unscaledOriginMilliseconds: Double, outcome: Outcome,
        responder: OriginSimulator.Responder?, kvError: String?, wrongAnswer: String?, failure: String?, mode: String,
        isColdStart: Bool
    ) {
        self.index = index
        self.question = question
        self.instance = instance
        self.phase = phase
        self.startMilliseconds = startMilliseconds
        self.latencyMilliseconds = latencyMilliseconds
        self.originMilliseconds = originMilliseconds
        self.unscaledOriginMilliseconds = unscaledOriginMilliseconds
        self.outcome = outcome
        self.responder = responder
        self.kvError = kvError
        self.wrongAnswer = wrongAnswer
        self.failure = failure
        self.mode = mode
        self.isColdStart = isColdStart
    }

    /// Whether the cache answered (KV or memory).
    public var isHit: Bool { outcome == .kv || outcome == .memory }
    /// When the caller got its answer, in milliseconds since the run started.
    public var endMilliseconds: Double { startMilliseconds + latencyMilliseconds }
    /// Time spent in the cache itself: the cache call's duration minus origin time (the whole latency if the call
    /// never returned).
    public var cacheOverheadMilliseconds: Double {
        max(0, (cacheCallMilliseconds ?? latencyMilliseconds) - originMilliseconds)
    }
    /// The latency the request would have had with the origin's real (unscaled) latency: the cache's own
    /// time as measured, plus the origin's time at scale 1.
    public var planEquivalentLatencyMilliseconds: Double { cacheOverheadMilliseconds + unscaledOriginMilliseconds }
}
