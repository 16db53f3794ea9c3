@testable import CacheRedis
import Testing

/// Commands are packed into RESP where they are made (``RedisCommand/Builder``); these pin the bytes,
/// byte for byte, for every way a command is built.
@Suite("Redis command encoding")
struct RedisCommandEncodingTests {
    private static func resp(_ arguments: [String]) -> [UInt8] {
        var text = "*\(arguments.count)\r\n"
        for argument in arguments { text += "$\(argument.utf8.count)\r\n\(argument)\r\n" }
        return Array(text.utf8)
    }

    @Test("textual and binary arguments encode as RESP arrays of bulk strings")
    func argumentsEncode() {
        #expect(RedisCommand(["PING"], expecting: .pong).encoded == Self.resp(["PING"]))
        #expect(RedisCommand(["SET", "clé", "v"], expecting: .ok).encoded == Self.resp(["SET", "clé", "v"]))
        let binary: [UInt8] = [0, 13, 10, 255]
        let packed = RedisCommand([Array("SET".utf8), Array("k".utf8), binary], expecting: .ok).encoded
        #expect(packed == Array("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\n".utf8) + binary + [13, 10])
        #expect(RedisCommand(["GET", ""], expecting: .bulkStringOrNull).encoded == Self.resp(["GET", ""]))
    }

    @Test("a long argument's length is written in full", arguments: [9, 10, 99, 100, 12_345])
    func longArgument(length: Int) {
        let value = String(repeating: "x", count: length)
        #expect(RedisCommand(["SET", "k", value], expecting: .ok).encoded == Self.resp(["SET", "k", value]))
    }

    @Test("a GET is GETRANGE key 0 limit, the limit written in place", arguments: [0, 7, 10, 1 << 20, 2 << 20, Int.max - 1])
    func getRange(limit: Int) {
        let (command, limited) = RedisKVCommands.get("pcache:q", maximumBytes: limit, verify: nil)
        #expect(limited)
        #expect(command.encoded == Self.resp(["GETRANGE", "pcache:q", "0", String(limit)]))
    }

    @Test("without a limit a GET is a plain GET")
    func plainGet() {
        let (command, limited) = RedisKVCommands.get("k", maximumBytes: Int.max, verify: nil)
        #expect(!limited)
        #expect(command.encoded == Self.resp(["GET", "k"]))
    }

    @Test("encode(into:) appends the packed command after what the buffer holds")
    func appendsToOutput() {
        var output = Array("prefix".utf8)
        RedisCommand(["PING"], expecting: .pong).encode(into: &output)
        #expect(output == Array("prefix".utf8) + Self.resp(["PING"]))
    }
}
