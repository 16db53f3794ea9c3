import Foundation

/// Where and how to reach a Redis server, parsed from a `redis://`, `rediss://` or `unix://` URL.
///
/// Supported forms:
/// - `redis://[[user]:password@]host[:port][/db]` (port 6379 and database 0 by default);
/// - `rediss://…` the same over TLS, with redis-py's query parameters `ssl_ca_certs=/path/ca.pem` (trust this
///   CA bundle instead of the system trust store) and `ssl_cert_reqs=none` (do not verify the server at all);
/// - `unix:///path/to/redis.sock[?db=N&password=…&user=…]`, also spelled `redis+unix://` or
///   `redis-socket://`, or `redis://…` with a `?socket=/path` query.
public struct RedisEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// How to reach the server.
    public enum Address: Sendable, Hashable {
        /// A TCP host and port.
        case tcp(host: String, port: Int)
        /// A unix domain socket path.
        case unixSocket(path: String)
    }

    /// How to reach the server.
    public var address: Address
    /// The ACL user name for `AUTH user password`, or `nil` for `AUTH password` (the `default` user).
    public var username: String?
    /// The password, or `nil` when the server needs none.
    public var password: String?
    /// The logical database selected with `SELECT` after connecting.
    public var database: Int
    /// TLS settings for `rediss://`, or `nil` for a plain connection.
    public var tls: TLS?
    /// Whether the server is a Redis Cluster node: `true`/`false` when the URL forces it (`?cluster=true|false`),
    /// `nil` to detect it from the server (`cluster_enabled:1`, or a `MOVED` reply).
    public var cluster: Bool?
    /// Whether a Redis Cluster store sends reads to replicas (`?read_from_replicas=true`, redis-py's name;
    /// false by default): reads may then be stale by up to the replication lag. Ignored by one node.
    public var readFromReplicas: Bool

    /// How a `rediss://` connection verifies the server.
    public struct TLS: Sendable, Hashable {
        /// A PEM file of CA certificates to trust instead of the system trust store (`ssl_ca_certs`).
        public var caCertificatesPath: String?
        /// Whether the server's certificate chain and host name are verified (`ssl_cert_reqs=none` turns it off).
        public var verifyPeer: Bool

        /// Creates TLS settings; by default the server is verified against the system trust store.
        public init(caCertificatesPath: String? = nil, verifyPeer: Bool = true) {
            self.caCertificatesPath = caCertificatesPath
            self.verifyPeer = verifyPeer
        }
    }

    /// Creates an endpoint.
    public init(
        address: Address, username: String? = nil, password: String? = nil, database: Int = 0, tls: TLS? = nil,
        cluster: Bool? = nil, readFromReplicas: Bool = false
    ) {
        self.address = address
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
        self.cluster = cluster
        self.readFromReplicas = readFromReplicas
    }

    /// Why a URL could not be used.
    public enum ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        /// Kept for source compatibility: `rediss://` is supported since the connection core has its own TLS.
        case tlsUnsupported
        /// The scheme is not one of the supported ones.
        case unsupportedScheme(String)
        /// The URL is malformed; the associated text says what is wrong (never the password).
        case malformed(String)

        /// A one-line explanation that names the alternatives, never the password.
        public var description: String {
            switch self {
            case .tlsUnsupported:
                return "rediss:// (TLS) is not supported in this build. "
                    + "Use redis:// through a local TLS tunnel (stunnel, spiped), a unix:// socket, "
                    + "or the REST backend (KV_REST_API_URL + KV_REST_API_TOKEN)."
            case .unsupportedScheme(let scheme):
                return "unsupported scheme '\(scheme)': use redis://host:port/db, rediss://host:port/db or unix:///path/to.sock"
            case .malformed(let reason):
                return "malformed Redis URL: \(reason)"
            }
        }
    }

    /// Parses a Redis URL.
    public init(url text: String) throws(ParseError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let components = URLComponents(string: trimmed), let scheme = components.scheme?.lowercased() else {
            throw .malformed("not a URL")
        }
        let query = Dictionary(
            (components.queryItems ?? []).map { ($0.name.lowercased(), $0.value ?? "") },
            uniquingKeysWith: { _, last in last }
        )
        var username = components.user.flatMap { $0.removingPercentEncoding }.flatMap { $0.isEmpty ? nil : $0 }
        var password = components.password.flatMap { $0.removingPercentEncoding }.flatMap { $0.isEmpty ? nil : $0 }
        if let queryPassword = query["password"], !queryPassword.isEmpty { password = queryPassword }
        if let queryUser = query["user"] ?? query["username"], !queryUser.isEmpty { username = queryUser }
        var database = 0
        if let db = query["db"] {
            guard let parsed = Int(db), parsed >= 0 else { throw .malformed("database '\(db)' is not a number ≥ 0") }
            database = parsed
        }

        var cluster: Bool?
        if let mode = query["cluster"] {
            switch mode.lowercased() {
            case "true", "1", "yes": cluster = true
            case "false", "0", "no": cluster = false
            case "", "auto": cluster = nil
            default: throw .malformed("cluster '\(mode)' is not 'true', 'false' or 'auto'")
            }
        }
        var readFromReplicas = false
        if let flag = query["read_from_replicas"] {
            switch flag.lowercased() {
            case "true", "1", "yes": readFromReplicas = true
            case "false", "0", "no", "": readFromReplicas = false
            default: throw .malformed("read_from_replicas '\(flag)' is not 'true' or 'false'")
            }
        }

        switch scheme {
        case "unix", "redis+unix", "redis-socket":
            let path = components.path.removingPercentEncoding ?? components.path
            // "unix://relative/path" parses as host "relative": refuse it rather than connect to "/path".
            guard path.hasPrefix("/"), (components.host ?? "").isEmpty else {
                throw .malformed("a unix socket URL needs an absolute path: unix:///path/to/redis.sock")
            }
            self.init(address: .unixSocket(path: path), username: username, password: password, database: database, cluster: cluster)
        case "redis", "valkey", "rediss", "valkeys":
            var tls: TLS?
            if scheme == "rediss" || scheme == "valkeys" {
                var settings = TLS(caCertificatesPath: query["ssl_ca_certs"].flatMap { $0.isEmpty ? nil : $0 })
                switch query["ssl_cert_reqs"]?.lowercased() {
                case nil, "", "required": settings.verifyPeer = true
                case "none": settings.verifyPeer = false
                case let other?: throw .malformed("ssl_cert_reqs '\(other)' is not 'none' or 'required'")
                }
                tls = settings
            }
            if tls == nil, let socket = query["socket"], !socket.isEmpty {
                self.init(address: .unixSocket(path: socket), username: username, password: password, database: database, cluster: cluster)
                return
            }
            guard let host = components.host, !host.isEmpty else { throw .malformed("no host") }
            let port = components.port ?? 6379
            guard (1...65_535).contains(port) else { throw .malformed("port \(port) out of range") }
            let pathDatabase = components.path.split(separator: "/").first.map(String.init)
            if let pathDatabase {
                guard let parsed = Int(pathDatabase), parsed >= 0 else {
                    throw .malformed("database '\(pathDatabase)' is not a number ≥ 0")
                }
                database = parsed
            }
            // URLComponents keeps IPv6 literals in brackets; hiredis wants them bare.
            let bareHost = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
            self.init(
                address: .tcp(host: bareHost, port: port), username: username, password: password, database: database, tls: tls,
                cluster: cluster, readFromReplicas: readFromReplicas)
        default:
            throw .unsupportedScheme(scheme)
        }
    }

    /// The endpoint as a URL with the password replaced by `***`, safe for logs.
    public var redactedURL: String {
        var credentials = ""
        if username != nil || password != nil {
            credentials = "\(username ?? "")\(password == nil ? "" : ":***")@"
        }
        switch address {
        case .tcp(let host, let port):
            let shownHost = host.contains(":") ? "[\(host)]" : host
            var parameters: [String] = []
            if let path = tls?.caCertificatesPath { parameters.append("ssl_ca_certs=\(path)") }
            if let tls, !tls.verifyPeer { parameters.append("ssl_cert_reqs=none") }
            if let cluster { parameters.append("cluster=\(cluster)") }
            if readFromReplicas { parameters.append("read_from_replicas=true") }
            let query = parameters.isEmpty ? "" : "?" + parameters.joined(separator: "&")
            return "\(tls == nil ? "redis" : "rediss")://\(credentials)\(shownHost):\(port)/\(database)\(query)"
        case .unixSocket(let path):
            return "unix://\(credentials)\(path)?db=\(database)"
        }
    }

    /// The redacted URL (``redactedURL``).
    public var description: String { redactedURL }
}
