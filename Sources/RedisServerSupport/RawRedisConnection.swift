import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A deliberately tiny, blocking RESP client used only to set up and inspect test servers (PING, AUTH,
/// ACL, CONFIG, DEBUG …), independent of the code under test.
enum RawRedisConnection {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Connects to `endpoint`, authenticates when `password` is given, sends `arguments` and returns
    /// the reply's raw RESP text.
    static func roundTrip(_ endpoint: Endpoint, arguments: [String], password: String?, timeout: Duration) throws -> String {
        let replies = try pipeline(endpoint, commands: [arguments.map { Array($0.utf8) }], password: password, timeout: timeout)
        return String(decoding: replies[0], as: UTF8.self)
    }

    /// Like ``roundTrip(_:arguments:password:timeout:)`` for several commands with textual arguments on
    /// one connection, pipelined: one connection for thousands of commands, and the way to send `ASKING`
    /// right before the command it is for.
    static func roundTrips(_ endpoint: Endpoint, commands: [[String]], password: String?, timeout: Duration) throws -> [String] {
        try pipeline(endpoint, commands: commands.map { $0.map { Array($0.utf8) } }, password: password, timeout: timeout)
            .map { String(decoding: $0, as: UTF8.self) }
    }

    /// Connects to `endpoint`, authenticates when `password` is given, sends every command (binary-safe
    /// arguments) pipelined, in batches, and returns each reply's raw RESP bytes, in order.
    static func pipeline(_ endpoint: Endpoint, commands: [[[UInt8]]], password: String?, timeout: Duration) throws -> [[UInt8]] {
        var reader = try open(endpoint, password: password, timeout: timeout)
        defer { close(reader.fd) }
        return try pipeline(&reader, commands)
    }

    /// Opens an authenticated connection to 127.0.0.1:`port` (the caller closes `reader.fd`), for a session that
    /// keeps it across commands.
    static func open(port: Int, password: String?, timeout: Duration) throws -> Reader {
        try open(.tcp(port: port), password: password, timeout: timeout)
    }

    /// Opens an authenticated connection to `endpoint` (the caller closes `reader.fd`).
    static func open(_ endpoint: Endpoint, password: String?, timeout: Duration) throws -> Reader {
        let fd = try endpoint.connectedSocket(timeout: timeout)
        var reader = Reader(fd: fd)
        if let password {
            let reply: String
            do {
                try send(fd, ["AUTH", password])
                reply = try reader.readReply()
            } catch {
                close(fd)
                throw error
            }
            guard reply.hasPrefix("+OK") else {
                close(fd)
                throw Failure(description: "AUTH failed: \(reply)")
            }
        }
        return reader
    }

    /// Sends every command on an open connection, pipelined, and returns each reply's raw RESP bytes, in order.
    static func pipeline(_ reader: inout Reader, _ commands: [[[UInt8]]]) throws -> [[UInt8]] {
        // Written in batches so neither side's socket buffer fills while the other waits to be read.
        var replies: [[UInt8]] = []
        replies.reserveCapacity(commands.count)
        for start in stride(from: 0, to: commands.count, by: 256) {
            let batch = commands[start..<min(start + 256, commands.count)]
            try send(reader.fd, batch.flatMap(encode))
            for _ in batch { replies.append(try reader.readReplyBytes()) }
        }
        return replies
    }

    static func encode(_ arguments: [String]) -> [UInt8] {
        encode(arguments.map { Array($0.utf8) })
    }

    /// RESP for a command whose arguments are any bytes (a foreign writer's garbage is not UTF-8).
    static func encode(_ arguments: [[UInt8]]) -> [UInt8] {
        var bytes = Array("*\(arguments.count)\r\n".utf8)
        for argument in arguments {
            bytes += Array("$\(argument.count)\r\n".utf8)
            bytes += argument
            bytes += [13, 10]
        }
        return bytes
    }

    private static func send(_ fd: Int32, _ arguments: [String]) throws {
        try send(fd, encode(arguments))
    }

    private static func send(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written > 0 else { throw Failure(description: "write failed: errno \(errno)") }
            offset += written
        }
    }

    /// Reads one complete RESP reply and returns it as text.
    struct Reader {
        let fd: Int32
        var buffer: [UInt8] = []

        mutating func readReply() throws -> String {
            String(decoding: try readReplyBytes(), as: UTF8.self)
        }

        mutating func readReplyBytes() throws -> [UInt8] {
            while true {
                if let end = Self.completeReplyLength(buffer, from: 0) {
                    let reply = Array(buffer[..<end])
                    buffer.removeFirst(end)
                    return reply
                }
                var chunk = [UInt8](repeating: 0, count: 64 * 1024)
                let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                guard count > 0 else { throw Failure(description: count == 0 ? "connection closed" : "read failed: errno \(errno)") }
                buffer += chunk[..<count]
            }
        }

        /// The length of the complete reply starting at `start`, or nil if more bytes are needed.
        static func completeReplyLength(_ bytes: [UInt8], from start: Int) -> Int? {
            guard start < bytes.count, let lineEnd = lineEnd(bytes, from: start) else { return nil }
            let header = String(decoding: bytes[(start + 1)..<lineEnd], as: UTF8.self)
            let afterHeader = lineEnd + 2
            switch bytes[start] {
            case UInt8(ascii: "$"):
                guard let length = Int(header) else { return nil }
                if length < 0 { return afterHeader - start }
                let end = afterHeader + length + 2
                return end <= bytes.count ? end - start : nil
            case UInt8(ascii: "*"):
                guard let count = Int(header) else { return nil }
                var position = afterHeader
                for _ in 0..<max(count, 0) {
                    guard let length = completeReplyLength(bytes, from: position) else { return nil }
                    position += length
                }
                return position - start
            default:
                return afterHeader - start
            }
        }

        private static func lineEnd(_ bytes: [UInt8], from start: Int) -> Int? {
            var index = start
            while index + 1 < bytes.count {
                if bytes[index] == 13 && bytes[index + 1] == 10 { return index }
                index += 1
            }
            return nil
        }
    }
}

/// A free TCP port on 127.0.0.1 for a server that binds it later (redis-server takes a port number).
///
/// The port is picked *outside* the kernel's ephemeral range (`ip_local_port_range`): ports handed out
/// by `bind(0)` and by outgoing connections come from that range, so a listener elsewhere in the process
/// (a proxy on port 0, a test's echo server) can never be given the same port between this check and the
/// server's own bind — which happened with ports from `bind(0)`, letting a redis-server take a disabled
/// proxy's port. Ports are tried at random until one binds; callers still retry on a bind failure.
public func freeLoopbackPort() throws -> Int {
    let (low, high) = ephemeralPortRange()
    let candidates: ClosedRange<Int> = low > 12_000 ? 10_000...(low - 1) : (high + 1)...65_000
    for _ in 0..<200 {
        let port = Int.random(in: candidates)
        if try canBind(port: port) { return port }
    }
    throw RawRedisConnection.Failure(description: "no free port found in \(candidates)")
}

/// The kernel's ephemeral port range, or Linux's default when it cannot be read.
private func ephemeralPortRange() -> (Int, Int) {
    let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
    let numbers = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).compactMap { Int($0) }
    return numbers.count == 2 ? (numbers[0], numbers[1]) : (32_768, 60_999)
}

/// Whether 127.0.0.1:`port` can be bound now (without SO_REUSEADDR, so a port in TIME_WAIT counts as taken).
private func canBind(port: Int) throws -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw RawRedisConnection.Failure(description: "socket() failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
}
