import CacheCore

/// A command ready to write: its arguments already in RESP (`*N\r\n`, then `$len\r\narg\r\n` for each),
/// packed into one buffer where the command is made, on the caller's thread. A command is one allocation
/// (the argument arrays it was once built from cost four more per GET), and the I/O thread, or a caller
/// writing directly, copies its bytes as they are.
struct RedisCommand: Sendable {
    /// The reply shapes the store's commands accept; anything else is a protocol error.
    enum Expectation: Sendable {
        /// GET: a bulk string or null.
        case bulkStringOrNull
        /// GET / GETRANGE of a value the caller can prove is its own: a bulk string that passes `verify`
        /// (checked on the I/O thread, so a failure closes the connection before any later reply is read),
        /// or null. A value longer than `maximumBytes` is not checked (the caller refuses it as too large).
        case verifiedBulkStringOrNull(maximumBytes: Int, verify: KVReplyCheck)
        /// SET, AUTH, SELECT: the status `OK`.
        case ok
        /// SET … NX: the status `OK` (set) or null (the key existed).
        case okOrNull
        /// UNLINK / DEL: an integer.
        case integer
        /// SCAN: `[cursor, [keys…]]`.
        case scanPage
        /// PING: the status `PONG`.
        case pong
        /// Administrative commands read by their callers (`CLUSTER SHARDS`, `INFO`): any non-error reply.
        case anyReply
    }

    /// The whole command in RESP.
    let encoded: [UInt8]
    /// What a well-formed reply looks like.
    let expectation: Expectation

    /// Packs `arguments` (binary-safe) for sending.
    init(_ arguments: [[UInt8]], expecting expectation: Expectation) {
        var builder = Builder(argumentCount: arguments.count, payloadBytes: arguments.reduce(0) { $0 + $1.count })
        for argument in arguments { builder.append(argument) }
        self.init(builder, expecting: expectation)
    }

    /// Convenience for textual arguments, which are sent as their UTF-8 bytes.
    init(_ arguments: [String], expecting expectation: Expectation) {
        var builder = Builder(argumentCount: arguments.count, payloadBytes: arguments.reduce(0) { $0 + $1.utf8.count })
        for argument in arguments { builder.append(argument.utf8) }
        self.init(builder, expecting: expectation)
    }

    /// The command `builder` holds, which must have every argument it announced.
    init(_ builder: Builder, expecting expectation: Expectation) {
        precondition(builder.isComplete, "a Redis command built with fewer arguments than it announced")
        self.encoded = builder.bytes
        self.expectation = expectation
    }
}

extension RedisCommand.Expectation {
    /// Checks a non-error reply against this expectation; `nil` when it fits.
    func mismatch(_ reply: RedisReply) -> String? {
        switch (self, reply) {
        case (.bulkStringOrNull, .bulkString), (.bulkStringOrNull, .null): return nil
        case (.verifiedBulkStringOrNull, .null): return nil
        case (.verifiedBulkStringOrNull(let maximumBytes, let verify), .bulkString(let bytes)):
            if bytes.isEmpty || bytes.count > maximumBytes || verify(bytes) { return nil }
            return "a reply that does not belong to its command (the value names another key)"
        case (.ok, .status("OK")), (.okOrNull, .status("OK")), (.okOrNull, .null): return nil
        case (.integer, .integer): return nil
        case (.pong, .status("PONG")): return nil
        case (.anyReply, _): return nil
        case (.scanPage, .array(let parts)):
            guard parts.count == 2, case .bulkString(let cursor) = parts[0],
                  UInt64(String(decoding: cursor, as: UTF8.self)) != nil,
                  case .array(let keys) = parts[1]
            else { return "malformed SCAN reply" }
            for key in keys {
                guard case .bulkString = key else { return "SCAN reply holds a non-string key" }
            }
            return nil
        default:
            return "unexpected reply \(reply.shortDescription) for a command expecting \(name)"
        }
    }
}

extension RedisCommand.Expectation {
    /// A short name for error messages.
    var name: String {
        switch self {
        case .bulkStringOrNull, .verifiedBulkStringOrNull: return "a bulk string or null"
        case .ok: return "OK"
        case .okOrNull: return "OK or null"
        case .integer: return "an integer"
        case .scanPage: return "a SCAN page"
        case .pong: return "PONG"
        case .anyReply: return "any reply"
        }
    }
}

extension RedisReply {
    /// A description for error messages that never includes a value's bytes.
    var shortDescription: String {
        switch self {
        case .bulkString(let bytes): return "bulk string (\(bytes.count) bytes)"
        case .status(let text): return "status '\(text.prefix(40))'"
        case .error(let text): return "error '\(text.prefix(80))'"
        case .integer(let value): return "integer \(value)"
        case .null: return "null"
        case .array(let elements): return "array of \(elements.count)"
        }
    }
}
