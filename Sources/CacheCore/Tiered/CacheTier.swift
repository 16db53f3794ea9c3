/// The tier that answered a lookup.
public enum CacheTier: String, Sendable, Codable, Hashable {
    /// The persistent, shared KV tier.
    case kv
    /// The instance's own memory tier.
    case memory
}
