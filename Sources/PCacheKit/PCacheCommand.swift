import ArgumentParser

/// `pcache`: check a cache setup and work with its entries from the shell.
///
/// It reads the environment exactly as `TieredCache.fromEnvironment` does (``KVBackendSelection``), so
/// what it reports is what the application would use.
public struct PCacheCommand: AsyncParsableCommand {
    /// The command's name, summary and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "pcache",
        abstract: "Check a PersistentCache setup (doctor) and get, set or invalidate entries.",
        discussion: """
            Exit codes: doctor → 0 the configured KV tier works, 1 configured but failing (the error class \
            is printed, e.g. auth), 2 the configuration is unusable, 3 nothing configured (memory-only). \
            get → 0 hit, 4 miss; set and invalidate → 0 done; every command → 1, 2 and 3 as for doctor.
            """,
        subcommands: [DoctorCommand.self, GetCommand.self, SetCommand.self, InvalidateCommand.self]
    )

    /// Creates the command (ArgumentParser fills it).
    public init() {}
}

/// Options every subcommand takes.
public struct GlobalOptions: ParsableArguments, Sendable {
    /// The cache's namespace (the prefix of every KV key).
    @Option(name: .long, help: "The cache namespace (default: CACHE_NAMESPACE, else pcache).")
    public var namespace: String?

    /// Print one JSON object instead of text.
    @Flag(name: .long, help: "Print one JSON object instead of text.")
    public var json = false

    /// The deadline of each KV call, in milliseconds.
    @Option(name: .long, help: "Deadline of each KV call in milliseconds.")
    public var timeoutMs: Int = 2000

    /// Creates the options (ArgumentParser fills them).
    public init() {}

    /// The namespace to use: the option, else `CACHE_NAMESPACE`, else the cache's default.
    func resolvedNamespace(_ environment: [String: String]) -> String {
        if let namespace, !namespace.isEmpty { return namespace }
        if let fromEnvironment = environment["CACHE_NAMESPACE"], !fromEnvironment.isEmpty { return fromEnvironment }
        return "pcache"
    }
}
