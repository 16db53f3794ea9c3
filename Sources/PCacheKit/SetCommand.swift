import ArgumentParser
import Foundation
import Logging
import PersistentCache

/// `pcache set KEY TEXT [--ttl SECONDS]`: store an entry as the cache would.
public struct SetCommand: PCacheSubcommand {
    /// Name and summary.
    public static let configuration = CommandConfiguration(
        commandName: "set", abstract: "Store TEXT under KEY in the cache's entry format.")

    /// Options shared by every subcommand.
    @OptionGroup public var options: GlobalOptions

    /// The cache key, without the namespace.
    @Argument(help: "The cache key, without the namespace.")
    public var key: String

    /// The text to store.
    @Argument(help: "The text to store.")
    public var text: String

    /// Seconds until the entry expires; the cache's default TTL when absent.
    @Option(name: .long, help: "Seconds until the entry expires (default: the cache's default TTL, 3600).")
    public var ttl: Int?

    /// Creates the command (ArgumentParser fills it).
    public init() {}

    /// The command's work against the backend the environment selects (see ``PCacheSubcommand``).
    public func perform(_ setup: PCacheEnvironment, logger: Logger) async -> CommandOutput {
        var output = CommandOutput()
        guard let cacheKey = setup.cacheKey(key, into: &output) else { return output }
        guard !setup.exitWithoutStore(&output), let store = setup.store else { return output }
        let ttl: Duration? = ttl.map { .seconds(max(1, $0)) } ?? CacheConfiguration().defaultTTL
        let expiresAt = ttl.map { Date().addingTimeInterval(Double($0.components.seconds)) }
        let bytes = CacheEntryCodec.encode(
            CacheEntry(text: text, source: .other("pcache")), key: cacheKey.normalized, expiresAt: expiresAt)
        if case .rest(let endpoint, _) = setup.selection, endpoint.readOnly {
            output.exitCode = .kvFailed
            output.lines.append("read-only token: writes are skipped")
            output.json["status"] = .string("read-only")
            return output
        }
        do {
            try await store.set(cacheKey.backendKey, value: bytes, ttl: ttl, deadline: setup.deadline)
        } catch {
            PCacheEnvironment.fail(error, step: "set", into: &output)
            return output
        }
        output.lines.append("OK \(cacheKey.backendKey)\(ttl.map { " (ttl \($0.components.seconds) s)" } ?? "")")
        output.json["status"] = .string("ok")
        return output
    }

}
