/// Which KV backend the environment asks for, decided once at start-up.
///
/// Rules, in order:
/// 1. `KV_URL` or `REDIS_URL` with `redis://` / `rediss://` (TLS) / `unix://` → the Redis protocol backend.
/// 2. `KV_REST_API_URL` + `KV_REST_API_TOKEN` (Vercel) or `UPSTASH_REDIS_REST_URL` +
///    `UPSTASH_REDIS_REST_TOKEN` → the REST backend. It is recognised and reported; until a REST store
///    exists this means memory-only, said in one log line.
/// 3. A malformed URL → memory-only, with the reason.
/// 4. Nothing → memory-only.
///
/// Vercel sets `KV_URL` (a `rediss://` URL) *and* the REST variables together; rule 1 takes the `rediss://`
/// URL, so such an environment uses the Redis protocol (one pipelined TLS connection, not HTTP per command).
public enum KVBackendSelection: Sendable, Hashable, CustomStringConvertible {
    /// Use Redis at this endpoint; `variable` names where it came from.
    case redis(RedisEndpoint, variable: String)
    /// A REST endpoint is configured (`url` has no secrets); `variable` names where it came from.
    case rest(url: String, variable: String)
    /// No usable KV configuration; `reason` says why, for the start-up log line.
    case memoryOnly(reason: String)

    /// The variable names that select a Redis URL, in order of preference.
    public static let redisURLVariables = ["KV_URL", "REDIS_URL"]
    /// The pairs of variable names that configure a REST endpoint, in order of preference.
    public static let restVariables = [
        ("KV_REST_API_URL", "KV_REST_API_TOKEN"),
        ("UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN"),
    ]

    /// Decides from an environment dictionary (pass `ProcessInfo.processInfo.environment`).
    public static func detect(in environment: [String: String]) -> KVBackendSelection {
        var problems: [String] = []
        for variable in redisURLVariables {
            guard let value = environment[variable]?.trimmed, !value.isEmpty else { continue }
            do {
                return .redis(try RedisEndpoint(url: value), variable: variable)
            } catch {
                problems.append("\(variable): \(error)")
            }
        }
        for (urlVariable, tokenVariable) in restVariables {
            guard let url = environment[urlVariable]?.trimmed, !url.isEmpty else { continue }
            guard let token = environment[tokenVariable]?.trimmed, !token.isEmpty else {
                problems.append("\(urlVariable) is set but \(tokenVariable) is missing")
                continue
            }
            return .rest(url: url, variable: urlVariable)
        }
        if problems.isEmpty {
            return .memoryOnly(reason: "no KV configured (set REDIS_URL or KV_URL, or KV_REST_API_URL and KV_REST_API_TOKEN)")
        }
        return .memoryOnly(reason: problems.joined(separator: "; "))
    }

    /// A one-line summary without secrets.
    public var description: String {
        switch self {
        case .redis(let endpoint, let variable): return "redis \(endpoint.redactedURL) (from \(variable))"
        case .rest(let url, let variable): return "rest \(url) (from \(variable))"
        case .memoryOnly(let reason): return "memory-only: \(reason)"
        }
    }
}

extension String {
    fileprivate var trimmed: String {
        var view = Substring(self)
        while let first = view.first, first.isWhitespace { view.removeFirst() }
        while let last = view.last, last.isWhitespace { view.removeLast() }
        return String(view)
    }
}
