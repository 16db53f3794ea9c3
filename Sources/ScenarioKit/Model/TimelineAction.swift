import FaultProxy
import KVRestBridge
import NIOCore

/// What a timeline event does.
public enum TimelineAction: Sendable, Hashable, CustomStringConvertible {
    /// Adds a toxic to the proxy between the instances and Redis.
    case addToxic(Toxic)
    /// Removes the toxic with this name.
    case removeToxic(name: String)
    /// Disables the proxy: listener closed, live connections cut (connection refused from then on).
    case disableProxy
    /// Enables the proxy again.
    case enableProxy
    /// Stops redis-server with SIGTERM (it saves first when persistence is on).
    case redisStop
    /// Kills redis-server with SIGKILL, as a crash would.
    case redisKill
    /// Starts redis-server again on the same port and directory (after a stop or a kill; stops it first
    /// if it runs).
    case redisRestart
    /// Replaces every instance with a new one: memory gone, new connections (a deploy).
    case deploy
    /// Adds instances (serverless cold starts).
    case coldStart(count: Int)
    /// Removes the KV configuration from every running instance, and from instances started later (the
    /// plan's rollback: `replaceKVStore(nil)`).
    case removeKVConfiguration
    /// Gives every running instance, and later ones, a KV configuration again.
    case restoreKVConfiguration
    /// Waits until every in-flight request and background KV write has finished.
    case settle
    /// Stops sending requests for a while; in-flight requests go on.
    case pause(milliseconds: Int, scaledInQuickMode: Bool)
    /// Only opens a phase.
    case mark
    /// Makes `share` of the origin's calls fail (1 = all).
    case originFail(share: Double)
    /// Multiplies the origin's latencies by `factor`.
    case originSlow(factor: Double)
    /// Ends `origin-fail` and `origin-slow`.
    case originRestore
    /// Changes the knowledge base's truth for `share` of the questions (1 = all).
    case kbUpdate(share: Double)
    /// Freezes redis-server (SIGSTOP): it keeps its sockets, accepts nothing and answers nothing.
    case redisFreeze
    /// Thaws a frozen redis-server (SIGCONT).
    case redisThaw
    /// `CLIENT PAUSE ms [WRITE|ALL]`: redis-server holds the commands of its clients for a while.
    case redisClientPause(milliseconds: Int, writesOnly: Bool)
    /// `CONFIG SET maxclients`: connections beyond the limit are refused with an error.
    case redisMaxClients(Int)
    /// `CONFIG SET requirepass` at run time ("" removes it); with `disconnect`, every client is disconnected so
    /// that the caches reconnect and meet the new password.
    case redisPassword(String, disconnect: Bool)
    /// `DEBUG SLEEP`: redis-server blocks for this long, answering nothing.
    case redisDebugSleep(milliseconds: Int)
    /// `CONFIG SET maxmemory` with the `noeviction` policy: once full, writes get `-OOM`. 0 removes the limit.
    case redisMaxMemory(bytes: Int)
    /// Another client writes at cache keys.
    case foreignWrite(ForeignWrite)
    /// Makes the REST bridge answer a share of the requests with an HTTP-level fault (`topology.backend: rest`).
    case restFault(BridgeFault, share: Double)
    /// Makes the REST bridge answer normally again.
    case restFaultClear
    /// Acts on the Redis Cluster (`topology.backend: redis-cluster`), in the background.
    case cluster(ClusterAction)

    /// The name used in scenario files.
    public var name: String {
        switch self {
        case .addToxic: return "add-toxic"
        case .removeToxic: return "remove-toxic"
        case .disableProxy: return "disable-proxy"
        case .enableProxy: return "enable-proxy"
        case .redisStop: return "redis-stop"
        case .redisKill: return "redis-kill"
        case .redisRestart: return "redis-restart"
        case .deploy: return "deploy"
        case .coldStart: return "cold-start"
        case .removeKVConfiguration: return "remove-kv-config"
        case .restoreKVConfiguration: return "restore-kv-config"
        case .settle: return "settle"
        case .pause: return "pause"
        case .mark: return "mark"
        case .originFail: return "origin-fail"
        case .originSlow: return "origin-slow"
        case .originRestore: return "origin-restore"
        case .kbUpdate: return "kb-update"
        case .redisFreeze: return "redis-freeze"
        case .redisThaw: return "redis-thaw"
        case .redisClientPause: return "redis-client-pause"
        case .redisMaxClients: return "redis-maxclients"
        case .redisPassword: return "redis-password"
        case .redisDebugSleep: return "redis-debug-sleep"
        case .redisMaxMemory: return "redis-maxmemory"
        case .foreignWrite: return "foreign-write"
        case .restFault: return "rest-fault"
        case .restFaultClear: return "rest-fault-clear"
        case .cluster(let action): return action.name
        }
    }

    /// Every action name a scenario file may use.
    public static let allNames = [
        "add-toxic", "remove-toxic", "disable-proxy", "enable-proxy", "redis-stop", "redis-kill", "redis-restart",
        "deploy", "cold-start", "remove-kv-config", "restore-kv-config", "settle", "pause", "mark",
        "origin-fail", "origin-slow", "origin-restore", "kb-update",
        "redis-freeze", "redis-thaw", "redis-client-pause", "redis-maxclients", "redis-password", "redis-debug-sleep",
        "redis-maxmemory", "foreign-write", "rest-fault", "rest-fault-clear",
    ] + ClusterAction.allNames

    /// Whether the action acts on fault proxies, so an event can aim it at some instances (`target`).
    public var isProxyAction: Bool {
        switch self {
        case .addToxic, .removeToxic, .disableProxy, .enableProxy: return true
        default: return false
        }
    }

    /// Whether the action needs a redis-server and proxy (a scenario without Redis cannot use it).
    public var needsRedis: Bool {
        switch self {
        case .addToxic, .removeToxic, .disableProxy, .enableProxy, .redisStop, .redisKill, .redisRestart,
             .restoreKVConfiguration, .redisFreeze, .redisThaw, .redisClientPause, .redisMaxClients, .redisPassword,
             .redisDebugSleep, .redisMaxMemory, .foreignWrite, .restFault, .restFaultClear, .cluster:
            return true
        case .deploy, .coldStart, .removeKVConfiguration, .settle, .pause, .mark, .originFail, .originSlow, .originRestore,
             .kbUpdate:
            return false
        }
    }

    /// Whether the action acts on the REST bridge, so it needs `topology.backend: rest`.
    public var needsRESTBridge: Bool {
        switch self {
        case .restFault, .restFaultClear: return true
        default: return false
        }
    }

    /// The action as the report's timeline shows it.
    public var description: String {
        switch self {
        case .addToxic(let toxic): return "add toxic \(toxic)"
        case .removeToxic(let name): return "remove toxic \(name)"
        case .coldStart(let count): return "cold start of \(count) instance\(count == 1 ? "" : "s")"
        case .pause(let milliseconds, _): return "pause \(milliseconds) ms"
        case .removeKVConfiguration: return "remove the KV configuration (rollback)"
        case .restoreKVConfiguration: return "restore the KV configuration"
        case .originFail(let share): return "origin fails \(Int((share * 100).rounded())) % of calls"
        case .originSlow(let factor): return "origin latency ×\(factor)"
        case .kbUpdate(let share): return "knowledge base updates \(Int((share * 100).rounded())) % of answers"
        case .redisFreeze: return "freeze redis-server (SIGSTOP)"
        case .redisThaw: return "thaw redis-server (SIGCONT)"
        case .redisClientPause(let milliseconds, let writesOnly):
            return "CLIENT PAUSE \(milliseconds) \(writesOnly ? "WRITE" : "ALL")"
        case .redisMaxClients(let count): return "maxclients \(count)"
        case .redisPassword(let password, let disconnect):
            return (password.isEmpty ? "password removed" : "password changed") + (disconnect ? ", clients disconnected" : "")
        case .redisDebugSleep(let milliseconds): return "DEBUG SLEEP \(milliseconds) ms"
        case .redisMaxMemory(let bytes): return bytes == 0 ? "maxmemory unlimited" : "maxmemory \(bytes) bytes, noeviction"
        case .foreignWrite(let write): return write.description
        case .restFault(let fault, let share):
            let what: String
            switch fault {
            case .status(let code): what = "HTTP \(code)"
            case .malformedBody: what = "malformed body"
            case .trickle(let interval): what = "body trickled 1 byte / \(interval.nanoseconds / 1_000_000) ms"
            case .neverRespond: what = "no response"
            }
            return "REST fault: \(what)" + (share < 1 ? " on \(ScenarioMetric.format(share * 100)) % of requests" : "")
        case .restFaultClear: return "REST fault cleared"
        case .cluster(let action): return action.description
        default: return name
        }
    }
}
