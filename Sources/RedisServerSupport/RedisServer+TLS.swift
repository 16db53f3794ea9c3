import Foundation

extension RedisServer {
    /// Where harness commands go: the TCP port, or the unix socket for a TLS-only server, since the raw admin
    /// client speaks no TLS and a TLS-only server (`--port 0`) has no plain port to offer it.
    var adminEndpoint: RawRedisConnection.Endpoint {
        options.tls == nil ? .tcp(port: port) : .unix(path: socketPath)
    }

    /// The TLS listener's arguments: `--tls-port` on the server's port and the certificates (the plain port is
    /// turned off by `--port 0` in the base arguments).
    var tlsArguments: [String] {
        options.tls?.serverArguments(tlsPort: port) ?? []
    }

    /// `rediss://127.0.0.1:<port>/0?ssl_ca_certs=<CA>`, with the password when one is set.
    var tlsURL: String {
        let credentials = options.password.map { ":\($0)@" } ?? ""
        return "rediss://\(credentials)127.0.0.1:\(port)/0?ssl_ca_certs=\(options.tls?.caPath ?? "")"
    }
}
