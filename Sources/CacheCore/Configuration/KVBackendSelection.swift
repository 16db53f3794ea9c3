/// Which KV backend the environment asks for, decided once at start-up.
///
/// Rules, in order:
/// 1. `CACHE_KV_BACKEND=redis|rest|memory`, when set, decides; the chosen backend's variables must then be
///    usable, or the selection is ``unusable(reason:)`` (memory-only, logged as an error).
/// 2. Otherwise the REST variables: `KV_REST_API_URL` + `KV_REST_API_TOKEN` (Vercel; with only
///    `KV_REST_API_READ_ONLY_TOKEN`, a read-only tier), or `UPSTASH_REDIS_REST_URL` + `UPSTASH_REDIS_REST_TOKEN`.
/// 3. Otherwise `KV_URL`, then `REDIS_URL` (`redis://`, `rediss://` (TLS), `unix://`) → the Redis protocol
///    backend.
/// 4. Otherwise memory-only.
///
/// Why REST before `KV_URL`: Vercel sets both together, the plan chose REST, and Upstash recommends REST
/// for serverless functions, each of which would otherwise hold its own Redis connections. Set
/// `CACHE_KV_BACKEND=redis` to use Vercel's `rediss://` `KV_URL` (one pipelined TLS connection) instead.
public enum KVBackendSelection: Sendable, Hashable, CustomStringConvertible {
    /// Use Redis at this endpoint; `variable` names where it came from.
    case redis(RedisEndpoint, variable: String)
    /// Use the REST endpoint; `variable` names the URL variable it came from.
    case rest(RESTEndpoint, variable: String)
    /// Nothing is configured (or `CACHE_KV_BACKEND=memory`): memory-only by choice.
    case memoryOnly(reason: String)
    /// Something is configured but cannot be used (a malformed URL, a URL without its token, `rediss://`,
    /// an unknown `CACHE_KV_BACKEND`): memory-only, and the reason is an error to fix.
    case unusable(reason: String)

    /// The variable that forces a backend: `redis`, `rest` or `memory`.
    public static let backendVariable = "CACHE_KV_BACKEND"
    /// The variable names that select a Redis URL, in order of preference.
    public static let redisURLVariables = ["KV_URL", "REDIS_URL"]
    /// The pairs of variable names that configure a REST endpoint, in order of preference.
    public static let restVariables = [
        ("KV_REST_API_URL", "KV_REST_API_TOKEN"),
        ("UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN"),
    ]
    /// Vercel's read-only token, used (read-only) when `KV_REST_API_TOKEN` is absent.
    public static let readOnlyTokenVariable = "KV_REST_API_READ_ONLY_TOKEN"

    /// Decides from an environment dictionary (pass `ProcessInfo.processInfo.environment`).
    public static func detect(in environment: [String: String]) -> KVBackendSelection {
        let value = { (name: String) -> String? in
            guard let text = environment[name]?.trimmed, !text.isEmpty else { return nil }
            return text
        }
        var problems: [String] = []
        if let forced = value(backendVariable) {
            switch forced.lowercased() {
            case "memory", "none", "off":
                return .memoryOnly(reason: "\(backendVariable)=\(forced)")
            case "rest":
                if let rest = detectREST(value, problems: &problems) { return rest }
                if problems.isEmpty { problems.append("no REST variables set (KV_REST_API_URL and KV_REST_API_TOKEN)") }
                return .unusable(reason: "\(backendVariable)=rest: " + problems.joined(separator: "; "))
            case "redis":
                if let redis = detectRedis(value, problems: &problems) { return redis }
                if problems.isEmpty { problems.append("neither KV_URL nor REDIS_URL is set") }
                return .unusable(reason: "\(backendVariable)=redis: " + problems.joined(separator: "; "))
            default:
                return .unusable(reason: "\(backendVariable)=\(forced) is not one of redis, rest, memory")
            }
        }
        if let rest = detectREST(value, problems: &problems) { return rest }
        if let redis = detectRedis(value, problems: &problems) { return redis }
        if problems.isEmpty {
            return .memoryOnly(reason: "no KV configured (set KV_REST_API_URL and KV_REST_API_TOKEN, or REDIS_URL / KV_URL)")
        }
        return .unusable(reason: problems.joined(separator: "; "))
    }

    private static func detectREST(
        _ value: (String) -> String?, problems: inout [String]
    ) -> KVBackendSelection? {
        for (urlVariable, tokenVariable) in restVariables {
            guard let url = value(urlVariable) else { continue }
            var token = value(tokenVariable)
            var readOnly = false
            if token == nil, urlVariable == "KV_REST_API_URL", let readOnlyToken = value(readOnlyTokenVariable) {
                token = readOnlyToken
                readOnly = true
            }
            guard let token else {
                problems.append("\(urlVariable) is set but \(tokenVariable) is missing")
                continue
            }
            do {
                return .rest(try RESTEndpoint(url: url, token: token, readOnly: readOnly), variable: urlVariable)
            } catch {
                problems.append("\(urlVariable): \(error)")
            }
        }
        return nil
    }

    private static func detectRedis(
        _ value: (String) -> String?, problems: inout [String]
    ) -> KVBackendSelection? {
        for variable in redisURLVariables {
            guard let url = value(variable) else { continue }
            do {
                return .redis(try RedisEndpoint(url: url), variable: variable)
            } catch {
                problems.append("\(variable): \(error)")
            }
        }
        return nil
    }

    /// The backend's short name: `redis`, `rest` or `memory-only`.
    public var backendName: String {
        switch self {
        case .redis: return "redis"
        case .rest: return "rest"
        case .memoryOnly, .unusable: return "memory-only"
        }
    }

    /// A one-line summary without secrets.
    public var description: String {
        switch self {
        case .redis(let endpoint, let variable): return "redis \(endpoint.redactedURL) (from \(variable))"
        case .rest(let endpoint, let variable): return "rest \(endpoint) (from \(variable))"
        case .memoryOnly(let reason): return "memory-only: \(reason)"
        case .unusable(let reason): return "memory-only (configuration unusable): \(reason)"
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
