import ArgumentParser
import Foundation
import Logging
import PersistentCache

/// `pcache get KEY`: the entry the KV tier holds for a cache key.
public struct GetCommand: PCacheSubcommand {
    /// Name and summary.
    public static let configuration = CommandConfiguration(
        commandName: "get", abstract: "Print the cached entry for KEY (exit 4 when it is not there).")

    /// Options shared by every subcommand.
    @OptionGroup public var options: GlobalOptions

    /// The cache key, as the application passes it (without the namespace).
    @Argument(help: "The cache key, without the namespace.")
    public var key: String

    /// Creates the command (ArgumentParser fills it).
    public init() {}

    /// The command's work against the backend the environment selects (see ``PCacheSubcommand``).
    public func perform(_ setup: PCacheEnvironment, logger: Logger) async -> CommandOutput {
        var output = CommandOutput()
        guard let cacheKey = setup.cacheKey(key, into: &output) else { return output }
        guard !setup.exitWithoutStore(&output), let store = setup.store else { return output }
        let bytes: [UInt8]?
        do {
            bytes = try await store.get(cacheKey.backendKey, deadline: setup.deadline)
        } catch {
            PCacheEnvironment.fail(error, step: "get", into: &output)
            return output
        }
        guard let bytes else {
            output.exitCode = .miss
            output.lines.append("(miss) \(cacheKey.backendKey)")
            output.json["status"] = .string("miss")
            return output
        }
        do {
            let decoded = try CacheEntryCodec.decode(bytes, expectedKey: cacheKey.normalized)
            let entry = decoded.entry
            output.lines.append(entry.text ?? Base64Text.encode(entry.value))
            output.json["status"] = .string("hit")
            output.json["value"] = .string(entry.text ?? Base64Text.encode(entry.value))
            output.json["valueEncoding"] = .string(entry.text == nil ? "base64" : "utf8")
            output.json["source"] = .string(entry.source.rawValue)
            output.json["createdAt"] = .string(ISO8601DateFormatter().string(from: entry.createdAt))
            if let expiresAt = decoded.expiresAt {
                output.json["expiresAt"] = .string(ISO8601DateFormatter().string(from: expiresAt))
            }
        } catch {
            // Not an entry this cache wrote (or another version): show it raw, as the cache would miss it.
            output.exitCode = .miss
            output.lines.append("(not a cache entry: \(error)) \(String(decoding: bytes.prefix(200), as: UTF8.self))")
            output.json["status"] = .string("undecodable")
            output.json["error"] = .string("\(error)")
        }
        return output
    }

}

/// Base64 for showing binary values.
enum Base64Text {
    static func encode(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }
}
