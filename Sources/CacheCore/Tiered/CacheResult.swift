/// What ``TieredCache/getOrCompute(_:ttl:staleWindow:softTimeout:compute:)`` answered and where the answer
/// came from (its provenance).
public struct CacheResult: Sendable, Hashable {
    /// Where the answer came from.
    public enum Origin: String, Sendable, Codable, Hashable {
        /// The KV tier.
        case kv
        /// The memory tier.
        case memory
        /// The `compute` closure (the origin: knowledge base or LLM).
        case computed
    }

    /// Why a stale answer was served instead of a fresh one.
    public enum StaleReason: String, Sendable, Codable, Hashable {
        /// `compute` threw; the stale entry answered instead of the error.
        case originError = "origin_error"
        /// `compute` took longer than the soft timeout; it goes on in the background.
        case originSoftTimeout = "origin_soft_timeout"
    }

    /// The answer.
    public var entry: CacheEntry
    /// Where it came from: for a stale answer, the tier that held the stale copy.
    public var origin: Origin
    /// The class of the KV failure during this request, when the KV tier failed and memory served instead
    /// (`circuit_open` when the circuit breaker refused the call).
    public var kvError: KVError.Code?
    /// Why the answer is stale, or `nil` when it is fresh.
    public var staleReason: StaleReason?
    /// The KV tier's circuit breaker state after the request, or `nil` without a KV tier or breaker.
    public var circuitState: CircuitState?
    /// Whether the answer was computed by another caller's concurrent `compute` for the same key
    /// (single-flight) rather than by this caller's — in this instance, or in another instance that held
    /// the key's lock (then ``origin`` is `.kv`: the answer was read from the KV tier once it landed).
    public var sharedComputation: Bool

    /// Creates a result.
    public init(
        entry: CacheEntry, origin: Origin, kvError: KVError.Code?, staleReason: StaleReason? = nil,
        circuitState: CircuitState? = nil, sharedComputation: Bool = false
    ) {
        self.entry = entry
        self.origin = origin
        self.kvError = kvError
        self.staleReason = staleReason
        self.circuitState = circuitState
        self.sharedComputation = sharedComputation
    }

    /// Whether the answer is past its fresh lifetime (served by fail-safe; see ``staleReason``).
    public var isStale: Bool { staleReason != nil }
    /// The tier that answered, or `nil` when the answer was computed.
    public var tier: CacheTier? {
        switch origin {
        case .kv: return .kv
        case .memory: return .memory
        case .computed: return nil
        }
    }
}
