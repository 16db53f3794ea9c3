/// Commands the bridge refuses, as Upstash's REST API does: they would change the state of the Redis
/// connection that every HTTP connection on an event loop shares (MULTI outside `/multi-exec`, SELECT,
/// AUTH, CLIENT REPLY, HELLO, RESET), stream forever (SUBSCRIBE, MONITOR), or block that shared
/// connection for everyone (BLPOP and the other blocking commands, XREAD/XREADGROUP with BLOCK, WAIT).
/// Everything else passes through unchanged.
///
/// Checked on every command of every request, so it reads the encoded arguments in place
/// (``RESPCommandGroup`` hands it the name, the second argument and whether any argument is `BLOCK`):
/// no copy, no `String` unless the command is refused.
enum CommandPolicy {
    private static let refused: [StaticString] = [
        "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE",
        "MONITOR", "QUIT", "RESET", "HELLO", "AUTH", "SELECT", "SWAPDB",
        "MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH", "SYNC", "PSYNC", "REPLICAOF", "SLAVEOF",
        "BLPOP", "BRPOP", "BRPOPLPUSH", "BLMOVE", "BLMPOP", "BZPOPMIN", "BZPOPMAX", "BZMPOP", "WAIT", "WAITAOF",
    ]

    /// The refusal for a command named `name` whose second argument (if any) is `second`, or `nil`.
    static func refusal(name: UnsafeRawBufferPointer, second: UnsafeRawBufferPointer?, hasBlockArgument: Bool) -> String? {
        guard name.count >= 4, name.count <= 12 else { return nil }
        for candidate in refused where equalsIgnoringCase(name, candidate) {
            return "ERR Command is not available: '\(lowercased(candidate))'"
        }
        if equalsIgnoringCase(name, "CLIENT"), let second, equalsIgnoringCase(second, "REPLY") {
            return "ERR Command is not available: 'client reply'"
        }
        if hasBlockArgument {
            for stream: StaticString in ["XREAD", "XREADGROUP"] where equalsIgnoringCase(name, stream) {
                return "ERR Command is not available: '\(lowercased(stream)) block'"
            }
        }
        return nil
    }

    /// Whether `bytes` spell `upper` (ASCII capitals) in any letter case.
    static func equalsIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ upper: StaticString) -> Bool {
        guard bytes.count == upper.utf8CodeUnitCount else { return false }
        let expected = upper.utf8Start
        for index in 0..<bytes.count {
            let byte = bytes[index]
            let folded = byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte
            if folded != expected[index] { return false }
        }
        return true
    }

    private static func lowercased(_ name: StaticString) -> String {
        name.withUTF8Buffer { String(decoding: $0, as: UTF8.self) }.lowercased()
    }
}
