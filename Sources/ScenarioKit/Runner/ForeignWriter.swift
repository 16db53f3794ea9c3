import Foundation
import RedisServerSupport

/// Writes at cache keys as another client of the same Redis would (a `foreign-write` event): it finds the keys the
/// caches stored, reads them, and overwrites them (keeping their TTL) with what the event asks for.
///
/// It talks to redis-server directly, not through the fault proxy: the foreign client is not the cache under test.
struct ForeignWriter {
    let session: RedisAdminSession
    let password: String?
    let seed: UInt64

    /// Rewrites the chosen keys; returns how many were written.
    func perform(_ write: ForeignWrite, occurrence: Int) async throws -> Int {
        var keys = try await storedKeys().sorted()
        var generator = SeededGenerator(seed: seed &+ UInt64(occurrence), stream: "foreign-write")
        keys.shuffle(using: &generator)
        if let count = write.keys { keys = Array(keys.prefix(count)) }
        guard !keys.isEmpty else { return 0 }
        let replies = try await session.pipeline(keys.map { [Array("GET".utf8), Array($0.utf8)] }, password: password)
        let entries = replies.map { Self.envelope(fromBulkReply: $0) }
        var commands: [[[UInt8]]] = []
        for (index, key) in keys.enumerated() {
            let other = entries[(index + 1) % entries.count]
            guard let bytes = Self.content(write.content, own: entries[index], other: other, generator: &generator) else { continue }
            commands.append([Array("SET".utf8), Array(key.utf8), bytes, Array("KEEPTTL".utf8)])
        }
        let answers = try await session.pipeline(commands, password: password, timeout: .seconds(30))
        if let refused = answers.first(where: { !$0.hasPrefix("+OK") }) {
            throw ScenarioRunError("a foreign write was refused: \(refused.prefix(120))")
        }
        return commands.count
    }

    /// Every key of the scenario's private redis-server (the caches' namespace is all it holds).
    private func storedKeys() async throws -> [String] {
        var keys: [String] = []
        var cursor = "0"
        repeat {
            let reply = try await session.command(["SCAN", cursor, "COUNT", "1000"], password: password)
            guard let parsed = Self.parseScanReply(reply) else {
                throw ScenarioRunError("unexpected SCAN reply: \(reply.prefix(120))")
            }
            cursor = parsed.cursor
            keys += parsed.keys
        } while cursor != "0"
        return keys
    }

    /// The bytes to store at a key whose current envelope is `own`, with `other` another key's envelope.
    static func content(
        _ content: ForeignWrite.Content, own: [String: Any]?, other: [String: Any]?, generator: inout SeededGenerator
    ) -> [UInt8]? {
        switch content {
        case .garbage:
            let length = Int.random(in: 1...256, using: &generator)
            return (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
        case .raw(let text):
            return Array(text.utf8)
        case .noKey:
            guard var envelope = own else { return nil }
            envelope.removeValue(forKey: "key")
            // Another question's answer: served as this key's, it would be a wrong answer the oracle sees.
            envelope["value"] = other?["value"] ?? "foreign value"
            return serialize(envelope)
        case .wrongKey:
            guard var envelope = other ?? own else { return nil }
            if other == nil || (other?["key"] as? String) == (own?["key"] as? String) {
                envelope["key"] = "written-by-someone-else"
            }
            return serialize(envelope)
        case .futureVersion:
            guard var envelope = own else { return nil }
            envelope["v"] = 99
            return serialize(envelope)
        case .huge(let bytes):
            // The padding field is spliced in as bytes: Foundation's JSON writer takes a second per few MiB here.
            guard let envelope = own, var current = serialize(envelope), current.last == UInt8(ascii: "}") else { return nil }
            current.removeLast()
            current += Array(#","pad":""#.utf8)
            current += [UInt8](repeating: UInt8(ascii: "x"), count: max(0, bytes - current.count - 2))
            current += Array(#""}"#.utf8)
            return current
        }
    }

    private static func serialize(_ envelope: [String: Any]) -> [UInt8]? {
        guard let data = try? JSONSerialization.data(withJSONObject: envelope, options: [.sortedKeys]) else { return nil }
        return Array(data)
    }

    /// Entries larger than this are not parsed (they count as unreadable): a foreign client rewrites what it can read.
    static let largestParsedEntry = 1 << 20

    /// The JSON object in a `GET` reply (`$n\r\n…\r\n`), or nil when there is none (a nil reply, not JSON, too large).
    static func envelope(fromBulkReply reply: String) -> [String: Any]? {
        let bytes = Array(reply.utf8)
        guard bytes.first == UInt8(ascii: "$"), let headerEnd = bytes.firstIndex(of: 10),
              let length = Int(String(decoding: bytes[1..<(headerEnd - 1)], as: UTF8.self)), length >= 0,
              length <= largestParsedEntry,
              headerEnd + 1 + length <= bytes.count else { return nil }
        let body = Data(bytes[(headerEnd + 1)..<(headerEnd + 1 + length)])
        return (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
    }

    /// Cursor and keys of a `SCAN` reply: `*2 $cursor *n $key…`.
    static func parseScanReply(_ reply: String) -> (cursor: String, keys: [String])? {
        let bytes = Array(reply.utf8)
        var position = 0
        func line() -> String? {
            guard position < bytes.count, let end = bytes[position...].firstIndex(of: 10), end > position else { return nil }
            defer { position = end + 1 }
            return String(decoding: bytes[position..<(end - 1)], as: UTF8.self)
        }
        func bulk() -> String? {
            guard let header = line(), header.first == "$", let length = Int(header.dropFirst()), length >= 0,
                  position + length + 2 <= bytes.count else { return nil }
            defer { position += length + 2 }
            return String(decoding: bytes[position..<(position + length)], as: UTF8.self)
        }
        guard line() == "*2", let cursor = bulk(), let header = line(), header.first == "*",
              let count = Int(header.dropFirst()) else { return nil }
        var keys: [String] = []
        for _ in 0..<max(0, count) {
            guard let key = bulk() else { return nil }
            keys.append(key)
        }
        return (cursor, keys)
    }
}
