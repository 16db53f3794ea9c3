/// One backplane announcement: which instance changed what.
///
/// Wire form (UTF-8, one line of text so `redis-cli SUBSCRIBE` shows it readably):
/// `pcbp1 <instance> <kind> <subject>`, where kind is `s` (a `set` of the key `subject`) or `i` (an
/// `invalidate` of the glob `subject`). The subject is last and may contain spaces. Anything else is
/// ignored by receivers (logged), so a future version can add kinds.
public struct BackplaneMessage: Sendable, Hashable {
    /// What changed.
    public enum Change: Sendable, Hashable {
        /// A `set` of this (normalized) key.
        case set(key: String)
        /// An `invalidate` of this (normalized) glob pattern.
        case invalidate(pattern: String)
    }

    /// The id of the instance that made the change (receivers ignore their own).
    public var instance: String
    /// The change.
    public var change: Change

    static let prefix = "pcbp1"

    /// Creates a message.
    public init(instance: String, change: Change) {
        self.instance = instance
        self.change = change
    }

    /// The wire form.
    public var encoded: [UInt8] {
        switch change {
        case .set(let key): return Array("\(Self.prefix) \(instance) s \(key)".utf8)
        case .invalidate(let pattern): return Array("\(Self.prefix) \(instance) i \(pattern)".utf8)
        }
    }

    /// Decodes the wire form, or `nil` when it is not a message of this version.
    public init?(decoding bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        let parts = text.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == Self.prefix, !parts[1].isEmpty else { return nil }
        let subject = String(parts[3])
        switch parts[2] {
        case "s": change = .set(key: subject)
        case "i": change = .invalidate(pattern: subject)
        default: return nil
        }
        instance = String(parts[1])
    }

    /// The channel (and, over REST, the stream key) of a namespace: `{<namespace>}:backplane`. A namespace
    /// never holds `{`, so this can never be one of the cache's keys (which `invalidate("*")` would delete),
    /// and the hash tag keeps it on one Redis Cluster slot.
    public static func channel(namespace: String) -> String { "{\(namespace)}:backplane" }
}
