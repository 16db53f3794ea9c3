/// The exit codes `pcache` documents (a contract: scripts and CI read them).
public enum PCacheExitCode: Int32, Sendable {
    /// The configured KV tier works (doctor), the entry was found (get), the command was done.
    case ok = 0
    /// A KV tier is configured but failed; the error class is printed.
    case kvFailed = 1
    /// The configuration is unusable (malformed URL, missing token, unknown `CACHE_KV_BACKEND`, `rediss://`).
    case unusable = 2
    /// Nothing is configured: the cache would run memory-only.
    case memoryOnly = 3
    /// `get`: the key is not in the KV tier.
    case miss = 4
}
