import CacheVercelKV
import Logging
import PersistentCache

/// The backend `pcache` works with, resolved from the environment as the application would. Made by
/// ``PCacheSubcommand/execute(environment:logger:)``; its members are the module's own.
public struct PCacheEnvironment: Sendable {
    let selection: KVBackendSelection
    let store: (any KVStore)?
    let namespace: String
    let timeout: Duration

    /// Resolves the selection and builds its store (no network traffic yet).
    init(environment: [String: String], options: GlobalOptions, logger: Logger) {
        selection = KVBackendSelection.detect(in: environment)
        namespace = options.resolvedNamespace(environment)
        timeout = .milliseconds(max(1, options.timeoutMs))
        var rest = VercelKVStore.Configuration()
        // One command at a time: a short-lived command has nothing to batch, and it should report the
        // first auth failure itself rather than the fail-fast gate's.
        rest.authenticationBackoff = .zero
        store = KVStoreFactory.makeStore(for: selection, restConfiguration: rest, logger: logger)
    }

    var deadline: ContinuousClock.Instant { .now + timeout }

    /// The cache key under the namespace, or `nil` (exit 2) when the cache would refuse it.
    func cacheKey(_ key: String, into output: inout CommandOutput) -> CacheKey? {
        guard let cacheKey = CacheKey(key, namespace: namespace, maximumBytes: CacheConfiguration().maximumKeyBytes) else {
            output.exitCode = .unusable
            output.lines.append("the key is longer than the cache accepts")
            return nil
        }
        output.json["key"] = .string(cacheKey.backendKey)
        return cacheKey
    }

    /// The selection as text and JSON fields, secrets redacted.
    func describe(into output: inout CommandOutput) {
        output.lines.append("backend: \(selection)")
        output.json["backend"] = .string(selection.backendName)
        output.json["namespace"] = .string(namespace)
        output.lines.append("namespace: \(namespace)")
        switch selection {
        case .redis(let endpoint, let variable):
            output.json["endpoint"] = .string(endpoint.redactedURL)
            output.json["variable"] = .string(variable)
        case .rest(let endpoint, let variable):
            output.json["endpoint"] = .string(endpoint.redactedURL)
            output.json["variable"] = .string(variable)
            output.json["readOnly"] = .bool(endpoint.readOnly)
        case .memoryOnly(let reason):
            output.json["reason"] = .string(reason)
        case .unusable(let reason):
            output.json["reason"] = .string(reason)
        }
    }

    /// Stops here with the selection's exit code when there is no store to talk to.
    func exitWithoutStore(_ output: inout CommandOutput) -> Bool {
        if let problem = CacheConfiguration.namespaceProblem(namespace) {
            output.exitCode = .unusable
            output.lines.append("namespace unusable: \(problem)")
            output.json["status"] = .string("unusable")
            output.json["reason"] = .string(problem)
            return true
        }
        switch selection {
        case .unusable(let reason):
            output.exitCode = .unusable
            output.lines.append("configuration unusable: \(reason)")
            output.json["status"] = .string("unusable")
            return true
        case .memoryOnly:
            output.exitCode = .memoryOnly
            output.lines.append("nothing configured: the cache runs memory-only (nothing is shared or persisted)")
            output.json["status"] = .string("memory-only")
            return true
        case .redis, .rest:
            return false
        }
    }

    /// Records a KV failure: exit 1 and its class.
    static func fail(_ error: KVError, step: String, into output: inout CommandOutput) {
        output.exitCode = .kvFailed
        output.lines.append("FAILED at \(step): class \(error.code.name): \(error.message)")
        output.json["status"] = .string("failed")
        output.json["errorClass"] = .string(error.code.name)
        output.json["error"] = .string(error.message)
        output.json["failedStep"] = .string(step)
    }

    /// The server's version from `INFO server` over the store's own connection (TLS included), or `nil`
    /// when the store cannot say or the server does not answer.
    func serverVersion() async -> String? {
        guard let store = store as? any KVServerInfo else { return nil }
        return try? await store.serverVersion(deadline: deadline)
    }
}
