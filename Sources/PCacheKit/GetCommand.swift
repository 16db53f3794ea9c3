import ArgumentParser
import Foundation
import Logging
import PersistentCache

/// `pcache get KEY`: the entry the KV tier holds for a cache key.
public struct GetCommand: AsyncParsableCommand {
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

    /// Reads the entry from the backend `environment` selects.
    public func execute(environment: [String: String], logger: Logger) async -> CommandOutput {
        let setup = PCacheEnvironment(environment: environment, options: options, logger: logger)
        let output = await perform(setup, logger: logger)
        await setup.store?.shutdown()
        return output
    }

    private func perform(_ setup: PCacheEnvironment, logger: Logger) async -> CommandOutput {
        var output = CommandOutput()
        guard let cacheKey = CacheKey(key, namespace: setup.namespace, maximumBytes: CacheConfiguration().maximumKeyBytes) else {
            output.exitCode = .unusable
            output.lines.append("the key is longer than the cache accepts")
            return output
        }
        output.json["key"] = .string(cacheKey.backendKey)
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

    /// Runs against the process's environment and exits with the documented code.
    public func run() async throws {
        let output = await execute(environment: ProcessInfo.processInfo.environment, logger: PCacheLogging.logger())
        try PCacheLogging.finish(output, json: options.json)
    }
}

/// Base64 for showing binary values.
enum Base64Text {
    static func encode(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }
}
