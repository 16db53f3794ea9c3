/// A proxy as it is now: its real bound address, whether it is enabled, and its toxics in insertion order.
public struct ProxyState: Sendable, Codable, Hashable {
    /// The proxy's unique name.
    public var name: String
    /// The real bound address, e.g. `127.0.0.1:40123` (the port stays the same across disable/enable).
    public var listen: String
    /// The upstream address as `host:port`.
    public var upstream: String
    /// Whether the proxy accepts connections.
    public var enabled: Bool
    /// The toxics, in the order they were added.
    public var toxics: [Toxic]

    /// Creates a state value.
    public init(name: String, listen: String, upstream: String, enabled: Bool, toxics: [Toxic]) {
        self.name = name
        self.listen = listen
        self.upstream = upstream
        self.enabled = enabled
        self.toxics = toxics
    }

    /// The port part of `listen`, or 0 when it cannot be parsed.
    public var listenPort: Int {
        (try? HostAndPort(parsing: listen).port) ?? 0
    }
}
