/// The state of a ``CircuitBreaker``, as statistics, logs and the `cache_kv_circuit_state` gauge report it.
public enum CircuitState: String, Sendable, Hashable, Codable, CustomStringConvertible {
    /// KV calls go through.
    case closed
    /// KV calls fail at once with ``KVError/Code/circuitOpen``.
    case open
    /// One probe call is under way; the others fail at once until it decides.
    case halfOpen = "half_open"

    /// The gauge value: 0 closed, 1 half-open, 2 open.
    public var gaugeValue: Int {
        switch self {
        case .closed: return 0
        case .halfOpen: return 1
        case .open: return 2
        }
    }

    /// The state's stable name.
    public var description: String { rawValue }
}
