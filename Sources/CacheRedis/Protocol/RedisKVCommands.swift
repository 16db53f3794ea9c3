import CacheCore

/// The commands behind the ``KVStore`` operations and the readings of their replies, shared by the one-node
/// ``RedisStore`` and the ``RedisClusterStore`` so both speak to a node in exactly the same way.
enum RedisKVCommands {
    /// `GET key`, or `GETRANGE key 0 maximumBytes` when there is a limit, so that a huge value is never
    /// transferred whole; `limited` tells ``value(from:limited:maximumBytes:)`` which one it was.
    private static let getName = Array("GET".utf8)
    private static let getRangeName = Array("GETRANGE".utf8)
    private static let zero = Array("0".utf8)

    static func get(_ key: String, maximumBytes: Int, verify: KVReplyCheck?) -> (command: RedisCommand, limited: Bool) {
        let limited = maximumBytes >= 0 && maximumBytes < Int.max
        // Written straight into the command's one buffer (every KV read of the cache makes this command);
        // the constant arguments are shared, not rebuilt.
        let keyBytes = key.utf8
        var builder: RedisCommand.Builder
        if limited {
            builder = RedisCommand.Builder(argumentCount: 4, payloadBytes: getRangeName.count + keyBytes.count + 1 + 20)
            builder.append(getRangeName)
            builder.append(keyBytes)
            builder.append(zero)
            builder.append(decimal: maximumBytes)
        } else {
            builder = RedisCommand.Builder(argumentCount: 2, payloadBytes: getName.count + keyBytes.count)
            builder.append(getName)
            builder.append(keyBytes)
        }
        let expectation: RedisCommand.Expectation = verify.map { .verifiedBulkStringOrNull(maximumBytes: maximumBytes, verify: $0) } ?? .bulkStringOrNull
        return (RedisCommand(builder, expecting: expectation), limited)
    }

    /// The value a `GET`/`GETRANGE` reply carries (`GETRANGE` answers an empty string for a missing key: `nil`).
    static func value(from reply: RedisReply, limited: Bool, maximumBytes: Int) throws(KVError) -> [UInt8]? {
        guard case .bulkString(let bytes) = reply else { return nil }
        if limited && bytes.isEmpty { return nil }
        if bytes.count > maximumBytes {
            throw KVError(.valueTooLarge, "the value is longer than \(maximumBytes) bytes")
        }
        return bytes
    }

    /// `SET key value [PX milliseconds]`; a sub-millisecond TTL is rounded up to 1 ms.
    static func set(_ key: String, value: [UInt8], ttl: Duration?) throws(KVError) -> RedisCommand {
        var arguments: [[UInt8]] = [Array("SET".utf8), Array(key.utf8), value]
        if let ttl {
            guard ttl > .zero else { throw KVError(.invalidRequest, "a TTL must be positive (got \(ttl))") }
            let parts = ttl.components
            let (wholeMilliseconds, overflow) = parts.seconds.multipliedReportingOverflow(by: 1000)
            guard !overflow else { throw KVError(.invalidRequest, "TTL \(ttl) is too long") }
            let fraction = parts.attoseconds
            let milliseconds = wholeMilliseconds + fraction / 1_000_000_000_000_000
                + (fraction % 1_000_000_000_000_000 == 0 ? 0 : 1)
            arguments += [Array("PX".utf8), Array(String(milliseconds).utf8)]
        }
        return RedisCommand(arguments, expecting: .ok)
    }

    /// `UNLINK keys…`, or `DEL keys…` for servers older than Redis 4.
    static func delete(_ keys: [[UInt8]], unlink: Bool) -> RedisCommand {
        RedisCommand([Array((unlink ? "UNLINK" : "DEL").utf8)] + keys, expecting: .integer)
    }

    /// Whether an error means the server does not know `UNLINK`, so `DEL` must be used.
    static func isUnknownCommand(_ error: KVError) -> Bool {
        error.code == .serverError && error.message.lowercased().contains("unknown command")
    }

    /// `SCAN cursor MATCH pattern COUNT count`.
    static func scan(cursor: UInt64, match pattern: String, count: Int) -> RedisCommand {
        RedisCommand(["SCAN", String(cursor), "MATCH", pattern, "COUNT", String(max(1, count))], expecting: .scanPage)
    }

    /// Reads a `SCAN` reply (its shape was already checked on the I/O thread, see `RedisCommand.mismatch`).
    static func scanPage(from reply: RedisReply) throws(KVError) -> KVScanPage {
        guard case .array(let parts) = reply, parts.count == 2,
              case .bulkString(let cursorBytes) = parts[0],
              let nextCursor = UInt64(String(decoding: cursorBytes, as: UTF8.self)),
              case .array(let keyReplies) = parts[1]
        else { throw KVError(.protocolError, "malformed SCAN reply") }
        let keys = keyReplies.compactMap { reply -> [UInt8]? in
            guard case .bulkString(let bytes) = reply else { return nil }
            return bytes
        }
        return KVScanPage(nextCursor: nextCursor, keys: keys)
    }

    /// The integer an `UNLINK`/`DEL` reply carries.
    static func count(_ reply: RedisReply) -> Int {
        if case .integer(let value) = reply { return Int(value) }
        return 0
    }
}
