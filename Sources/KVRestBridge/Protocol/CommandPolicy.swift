/// Commands the bridge refuses, as Upstash's REST API does: they would change the state of the Redis
/// connection that every HTTP connection on an event loop shares (MULTI outside `/multi-exec`, SELECT,
/// AUTH, CLIENT REPLY, HELLO, RESET), stream forever (SUBSCRIBE, MONITOR), or block that shared
/// connection for everyone (BLPOP and the other blocking commands, XREAD/XREADGROUP with BLOCK, WAIT).
/// Everything else passes through unchanged.
///
/// Checked on every command of every request, so it works on bytes: one small uppercase copy of the
/// name, no `String`.
enum CommandPolicy {
    private static let refused: Set<[UInt8]> = Set([
        "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE",
        "MONITOR", "QUIT", "RESET", "HELLO", "AUTH", "SELECT", "SWAPDB",
        "MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH", "SYNC", "PSYNC", "REPLICAOF", "SLAVEOF",
        "BLPOP", "BRPOP", "BRPOPLPUSH", "BLMOVE", "BLMPOP", "BZPOPMIN", "BZPOPMAX", "BZMPOP", "WAIT", "WAITAOF",
    ].map { Array($0.utf8) })

    private static let client = Array("CLIENT".utf8)
    private static let reply = Array("REPLY".utf8)
    private static let block = Array("BLOCK".utf8)
    private static let streamReads: Set<[UInt8]> = [Array("XREAD".utf8), Array("XREADGROUP".utf8)]

    /// The refusal for a whole command, or `nil`.
    static func refusal(for command: [[UInt8]]) -> String? {
        guard let name = command.first else { return "ERR empty command" }
        let upper = uppercased(name)
        if refused.contains(upper) { return notAvailable(upper) }
        if upper == client, command.count > 1, uppercased(command[1]) == reply {
            return "ERR Command is not available: 'client reply'"
        }
        if streamReads.contains(upper), command.dropFirst().contains(where: { uppercased($0) == block }) {
            return "ERR Command is not available: '\(String(decoding: upper, as: UTF8.self).lowercased()) block'"
        }
        return nil
    }

    private static func notAvailable(_ upper: [UInt8]) -> String {
        "ERR Command is not available: '\(String(decoding: upper, as: UTF8.self).lowercased())'"
    }

    /// ASCII letters uppercased; other bytes as they are.
    private static func uppercased(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.contains(where: { $0 >= 0x61 && $0 <= 0x7A }) else { return bytes }
        return bytes.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }
    }
}
