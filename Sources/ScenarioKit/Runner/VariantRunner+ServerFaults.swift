import Foundation
import RedisServerSupport

extension VariantRunner {
    /// Applies a fault made by redis-server itself rather than by the network: the caches see a server that is
    /// frozen, paused, full, out of connections, asleep, or asking for a password they do not have.
    /// Returns false when `action` is not such a fault.
    func performServerFault(_ action: TimelineAction) async throws -> Bool {
        guard let redis else { return true }
        switch action {
        case .redisFreeze:
            redis.server.setFrozen(true)
        case .redisThaw:
            redis.server.setFrozen(false)
        case .redisClientPause(let milliseconds, let writesOnly):
            try await admin(["CLIENT", "PAUSE", String(milliseconds), writesOnly ? "WRITE" : "ALL"])
        case .redisMaxClients(let count):
            try await admin(["CONFIG", "SET", "maxclients", String(count)])
        case .redisPassword(let password, let disconnect):
            try await admin(["CONFIG", "SET", "requirepass", password])
            redisPassword = password.isEmpty ? nil : password
            if disconnect {
                // The session itself stays: it is authenticated, and it must be able to change the password back.
                _ = try await redis.admin.command(["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"], password: redisPassword)
            }
        case .redisDebugSleep(let milliseconds):
            // The reply comes when the server wakes up: sent on a connection of its own, not awaited here, so the
            // requests go on meeting a server that answers nothing.
            let server = redis.server
            let password = redisPassword
            let seconds = String(format: "%.3f", Double(milliseconds) / 1000)
            backgroundActions.append(Task {
                do {
                    let reply = try await server.command(
                        ["DEBUG", "SLEEP", seconds], password: password, timeout: .milliseconds(milliseconds + 10_000))
                    return reply.hasPrefix("+OK") ? nil : "DEBUG SLEEP answered \(reply.prefix(120))"
                } catch {
                    return "DEBUG SLEEP failed: \(error)"
                }
            })
            // Long enough for the command to reach the server before the next request is sent.
            try await Task.sleep(for: .milliseconds(min(milliseconds, 20)))
        case .redisMaxMemory(let bytes):
            try await admin(["CONFIG", "SET", "maxmemory-policy", "noeviction"])
            try await admin(["CONFIG", "SET", "maxmemory", String(bytes)])
        default:
            return false
        }
        return true
    }

    /// Sends an administrative command through the kept session and refuses anything but `+OK`.
    private func admin(_ arguments: [String]) async throws {
        guard let redis else { return }
        let reply = try await redis.admin.command(arguments, password: redisPassword)
        guard reply.hasPrefix("+OK") else {
            throw ScenarioRunError("\(arguments.prefix(3).joined(separator: " ")) answered \(reply.prefix(120))")
        }
    }
}
