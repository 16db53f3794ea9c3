/// What a proxy is asked to be: a name, the address it listens on and the address it forwards to.
///
/// Decodes Toxiproxy's proxy JSON (`{"name","listen","upstream","enabled"}`); `listen` and `enabled` are optional
/// there, defaulting to an ephemeral loopback port and `true`.
public struct ProxyConfiguration: Sendable, Codable, Hashable {
    /// The proxy's unique name.
    public var name: String
    /// The listen address as `host:port`; port 0 picks a free port.
    public var listen: String
    /// The upstream (server) address as `host:port`.
    public var upstream: String
    /// Whether the proxy accepts connections.
    public var enabled: Bool = true

    /// Creates a configuration; `listen` defaults to a free loopback port.
    public init(name: String, listen: String = "127.0.0.1:0", upstream: String, enabled: Bool = true) {
        self.name = name
        self.listen = listen
        self.upstream = upstream
        self.enabled = enabled
    }

    private enum CodingKeys: String, CodingKey {
        case name, listen, upstream, enabled
    }

    /// Decodes Toxiproxy's proxy JSON, applying its defaults for the optional fields.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        listen = try container.decodeIfPresent(String.self, forKey: .listen) ?? "127.0.0.1:0"
        upstream = try container.decode(String.self, forKey: .upstream)
        enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled) ?? true
    }
}
