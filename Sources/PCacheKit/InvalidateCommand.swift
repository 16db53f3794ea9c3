import ArgumentParser
import Foundation
import Logging
import PersistentCache

/// `pcache invalidate PATTERN [--dry-run]`: remove (or list) the entries matching a glob, confined to the
/// namespace, exactly as `TieredCache.invalidate` does.
public struct InvalidateCommand: PCacheSubcommand {
    /// Name and summary.
    public static let configuration = CommandConfiguration(
        commandName: "invalidate",
        abstract: "Delete the entries whose keys match the Redis glob PATTERN (inside the namespace only).")

    /// Options shared by every subcommand.
    @OptionGroup public var options: GlobalOptions

    /// A Redis glob over cache keys (`*` is every entry of the namespace).
    @Argument(help: "A Redis glob over cache keys, e.g. 'faq:*'.")
    public var pattern: String

    /// List what would be deleted without deleting.
    @Flag(name: .long, help: "List the matching keys without deleting them.")
    public var dryRun = false

    /// Creates the command (ArgumentParser fills it).
    public init() {}

    /// The command's work against the backend the environment selects (see ``PCacheSubcommand``).
    public func perform(_ setup: PCacheEnvironment, logger: Logger) async -> CommandOutput {
        var output = CommandOutput()
        guard !setup.exitWithoutStore(&output), let store = setup.store else { return output }
        let configuration = CacheConfiguration(namespace: setup.namespace, kvDeadline: setup.timeout)
        if dryRun {
                guard let normalized = CacheKey(pattern, namespace: setup.namespace, maximumBytes: .max)?.normalized else {
                return output
            }
            let prefix = setup.namespace + ":"
            let glob = GlobPattern(normalized)
            var cursor: UInt64 = 0
            var matches: [String] = []
            repeat {
                do {
                    let page = try await store.scan(
                        cursor: cursor, match: GlobPattern.escape(setup.namespace) + ":" + normalized,
                        count: configuration.invalidationBatchSize, deadline: setup.deadline)
                    for key in page.keys where key.starts(with: prefix.utf8) && glob.matches(bytes: Array(key.dropFirst(prefix.utf8.count))) {
                        matches.append(String(decoding: key, as: UTF8.self))
                    }
                    cursor = page.nextCursor
                } catch {
                    PCacheEnvironment.fail(error, step: "scan", into: &output)
                    return output
                }
            } while cursor != 0
            let unique = Array(Set(matches)).sorted()
            output.lines.append(contentsOf: unique)
            output.lines.append("\(unique.count) keys would be deleted (dry run)")
            output.json["status"] = .string("dry-run")
            output.json["keys"] = .array(unique.map(JSONField.string))
            output.json["count"] = .int(unique.count)
            return output
        }
        let cache = TieredCache(configuration: configuration, kvStore: store, logger: logger)
        let report = await cache.invalidate(pattern)
        if let error = report.kvError {
            output.json["deleted"] = .int(report.kvRemoved)
            PCacheEnvironment.fail(error, step: "invalidate", into: &output)
            return output
        }
        output.lines.append("\(report.kvRemoved) keys deleted")
        output.json["status"] = .string("ok")
        output.json["deleted"] = .int(report.kvRemoved)
        return output
    }

}
