/// The name of the lock that guards the computation of one entry across instances.
///
/// `<namespace>:lock:{<tag>}<rest>`: inside the cache's namespace (so it is recognisably ours), and with
/// a Redis Cluster hash tag chosen so the lock hashes to the entry's slot and lives on the entry's node:
/// - the entry key has a hash tag `{t}` of its own → `<ns>:lock:{t}<entry key>`;
/// - it has none and no `}` → `<ns>:lock:{<entry key>}` (the whole entry key is the tag, as Redis hashes
///   the whole key);
/// - it has none but holds a `}` (no tag can reproduce its slot) → `<ns>:lock:{}<entry key>`: another
///   slot, which costs only locality, since the lock and the entry are never used in one command.
/// Each form keeps the whole entry key recoverable, so two entries never share a lock.
public enum KVLockKey {
    /// The lock key of the entry stored at `entryKey` (the full backend key) in `namespace`.
    public static func make(for entryKey: String, namespace: String) -> String {
        let prefix = namespace + ":lock:"
        if let tag = hashTag(of: entryKey) { return prefix + "{" + tag + "}" + entryKey }
        if !entryKey.utf8.contains(UInt8(ascii: "}")) { return prefix + "{" + entryKey + "}" }
        return prefix + "{}" + entryKey
    }

    /// What Redis Cluster hashes for `key` when it is not the whole key: the text between the first `{`
    /// and the first `}` after it, when that is not empty.
    static func hashTag(of key: String) -> Substring? {
        guard let open = key.utf8.firstIndex(of: UInt8(ascii: "{")) else { return nil }
        let afterOpen = key.utf8.index(after: open)
        guard let close = key.utf8[afterOpen...].firstIndex(of: UInt8(ascii: "}")), close > afterOpen else { return nil }
        return Substring(key.utf8[afterOpen..<close])
    }
}
