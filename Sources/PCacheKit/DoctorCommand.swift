import ArgumentParser
import Foundation
import Logging
import PersistentCache

/// `pcache doctor`: is the configured KV tier usable, and how fast is it?
public struct DoctorCommand: PCacheSubcommand {
    /// Name and summary.
    public static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Show the backend the environment selects and round-trip a probe entry through it.")

    /// Options shared by every subcommand.
    @OptionGroup public var options: GlobalOptions

    /// Creates the command (ArgumentParser fills it).
    public init() {}

    /// The command's work against the backend the environment selects (see ``PCacheSubcommand``).
    public func perform(_ setup: PCacheEnvironment, logger: Logger) async -> CommandOutput {
        var output = CommandOutput()
        setup.describe(into: &output)
        guard !setup.exitWithoutStore(&output), let store = setup.store else { return output }

        let probeKey = "\(setup.namespace):pcache-doctor:\(UUID().uuidString)"
        let probeValue = Array("pcache doctor probe \(Date().timeIntervalSince1970)".utf8)
        let readOnly: Bool
        if case .rest(let endpoint, _) = setup.selection { readOnly = endpoint.readOnly } else { readOnly = false }
        var latencies: [String: JSONField] = [:]
        func timed<T>(_ step: String, _ body: () async throws(KVError) -> T) async throws(KVError) -> T {
            let started = ContinuousClock.now
            let value = try await body()
            let elapsed = started.duration(to: .now)
            let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            latencies[step] = .double(milliseconds)
            output.lines.append(String(format: "  %-7@ %8.2f ms", step as NSString, milliseconds))
            return value
        }
        var step = "ping"
        do throws(KVError) {
            try await timed("ping") { () async throws(KVError) in try await store.ping(deadline: setup.deadline) }
            if readOnly {
                step = "get"
                _ = try await timed("get") { () async throws(KVError) in
                    try await store.get(probeKey, deadline: setup.deadline)
                }
                output.lines.append("  read-only token: the write probe was skipped (writes are skipped by the cache too)")
            } else {
                step = "set"
                try await timed("set") { () async throws(KVError) in
                    try await store.set(probeKey, value: probeValue, ttl: .seconds(60), deadline: setup.deadline)
                }
                step = "get"
                let read = try await timed("get") { () async throws(KVError) in
                    try await store.get(probeKey, deadline: setup.deadline)
                }
                guard read == probeValue else {
                    throw KVError(.protocolError, "the probe read back differently from what was written")
                }
                step = "delete"
                let deleted = try await timed("delete") { () async throws(KVError) in
                    try await store.delete([probeKey], deadline: setup.deadline)
                }
                guard deleted == 1 else { throw KVError(.protocolError, "the probe was not there to delete") }
            }
        } catch {
            output.json["latencyMs"] = .object(latencies)
            PCacheEnvironment.fail(error, step: step, into: &output)
            return output
        }
        output.json["latencyMs"] = .object(latencies)
        let version = await setup.serverVersion()
        output.lines.append("server version: \(version ?? "unknown")")
        output.json["serverVersion"] = version.map(JSONField.string) ?? .null
        output.lines.append("OK: the \(setup.selection.backendName) tier works")
        output.json["status"] = .string("ok")
        return output
    }

}
