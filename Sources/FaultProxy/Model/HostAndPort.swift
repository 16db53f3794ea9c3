/// A `host:port` address as Toxiproxy writes them (`127.0.0.1:6379`, `localhost:0`, `[::1]:80`).
public struct HostAndPort: Sendable, Hashable, CustomStringConvertible {
    /// The host name or IP literal, without brackets.
    public var host: String
    /// The TCP port, 0...65535.
    public var port: Int

    /// Creates an address from its parts.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port`; an empty host (`:8080`) means all interfaces as in Go, here 0.0.0.0.
    public init(parsing text: String) throws(FaultProxyError) {
        guard let colon = text.lastIndex(of: ":") else {
            throw .badRequest("address \"\(text)\" is not host:port")
        }
        var host = String(text[..<colon])
        let portText = text[text.index(after: colon)...]
        guard let port = Int(portText), (0...65535).contains(port) else {
            throw .badRequest("address \"\(text)\" has an invalid port")
        }
        if host.hasPrefix("["), host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
        }
        if host.isEmpty { host = "0.0.0.0" }
        self.host = host
        self.port = port
    }

    /// `host:port`, with brackets around IPv6 literals.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
