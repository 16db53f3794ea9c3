/// Commands the bridge refuses, as Upstash's REST API does: they would change the state of the Redis
/// connection that later HTTP requests share (MULTI outside `/multi-exec`, SELECT, AUTH, CLIENT REPLY,
/// HELLO, RESET), or stream forever (SUBSCRIBE, MONITOR). Everything else passes through unchanged.
enum CommandPolicy {
    private static let refused: Set<String> = [
        "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE",
        "MONITOR", "QUIT", "RESET", "HELLO", "AUTH", "SELECT", "SWAPDB",
        "MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH", "SYNC", "PSYNC", "REPLICAOF", "SLAVEOF",
    ]

    /// The error text when `name` (with its first argument, for `CLIENT REPLY`) is refused, else `nil`.
    static func refusal(_ name: [UInt8], _ firstArgument: [UInt8]?) -> String? {
        let upper = String(decoding: name, as: UTF8.self).uppercased()
        if refused.contains(upper) {
            return "ERR Command is not available: '\(upper.lowercased())'"
        }
        if upper == "CLIENT", let firstArgument, String(decoding: firstArgument, as: UTF8.self).uppercased() == "REPLY" {
            return "ERR Command is not available: 'client reply'"
        }
        return nil
    }

    /// The refusal for a whole command, or `nil`.
    static func refusal(for command: [[UInt8]]) -> String? {
        guard let name = command.first else { return "ERR empty command" }
        return refusal(name, command.count > 1 ? command[1] : nil)
    }
}
