/// Where a cluster node takes commands: the host (an IP address or a name, as the node announces it) and
/// the port. This is the identity the cluster itself uses in `MOVED`/`ASK` replies, so it is also how a
/// cluster store names its connections.
struct ClusterNodeAddress: Hashable, Sendable, CustomStringConvertible {
    /// The host: an IPv4 or IPv6 address (without brackets) or a host name.
    var host: String
    /// The TCP port (the TLS port when the cluster is reached over TLS).
    var port: Int

    /// `host:port`, with an IPv6 address in brackets so the port stays unambiguous.
    var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Reads `host:port` as Redis writes it in a redirection: the port follows the *last* colon, because
    /// Redis prints IPv6 addresses bare (`::1:7000`); a bracketed `[::1]:7000` is read too. An empty host
    /// (`:7000`) means "the host of the node you asked", which is `askedHost`.
    init?(parsing text: Substring, askedHost: String) {
        guard let colon = text.lastIndex(of: ":"),
            let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port)
        else { return nil }
        var host = text[..<colon]
        if host.hasPrefix("[") && host.hasSuffix("]") && host.count >= 2 {
            host = host.dropFirst().dropLast()
        }
        guard !host.contains(" ") else { return nil }
        self.host = host.isEmpty ? askedHost : String(host)
        self.port = port
    }

    /// An address from its parts.
    init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
}
