import Foundation

/// A TLS cluster (``RedisCluster/Options/tls``): every node listens on a TLS port only (`--tls-port`, `--port 0`),
/// the cluster bus and replication run over TLS (`--tls-cluster yes`, `--tls-replication yes`), and all nodes use
/// one server certificate from a throw-away CA made at start in the cluster's own directory (removed with it).
///
/// The nodes' ports (``RedisServer/port``, ``RedisCluster/announcedPorts``) are then their TLS ports, which is
/// what `CLUSTER SHARDS` (`tls-port`), `CLUSTER NODES`, `MOVED` and `ASK` name. The harness's own commands go
/// over each node's unix socket in plain text (``RedisServer`` picks it for a TLS-only server), so the harness
/// operations (resharding, failover, health checks) work unchanged; `MIGRATE` between nodes uses TLS by
/// itself under `tls-cluster yes`.
extension RedisCluster {
    /// The certificates of a TLS cluster (``TLSTestCertificates/caPath`` is what a client trusts), or nil.
    public var tlsCertificates: TLSTestCertificates? { servers.first?.options.tls }

    /// `rediss://127.0.0.1:<announced port of node>?ssl_ca_certs=<CA>` for a TLS cluster, `redis://…` otherwise:
    /// a `KV_URL` naming one node.
    public func url(node: Int) -> String {
        guard let certificates = tlsCertificates else { return "redis://127.0.0.1:\(announcedPorts[node])" }
        return "rediss://127.0.0.1:\(announcedPorts[node])?ssl_ca_certs=\(certificates.caPath)"
    }

    /// Makes the throw-away CA and server certificate when the cluster is a TLS one.
    static func makeCertificates(_ options: Options, in directory: URL) async throws -> TLSTestCertificates? {
        guard options.tls else { return nil }
        return try await TLSTestCertificates.make(in: directory.appendingPathComponent("tls"))
    }

    /// The node arguments beyond a TLS listener's own (which ``RedisServer`` adds): node to node traffic over TLS.
    static func tlsNodeArguments(_ certificates: TLSTestCertificates?) -> [String] {
        certificates == nil ? [] : ["--tls-cluster", "yes", "--tls-replication", "yes"]
    }

    /// The arguments that make `redis-cli` speak TLS to the nodes and trust their CA; empty for a plain cluster.
    /// Every `redis-cli` run against the nodes' announced ports needs them.
    var redisCLITLSArguments: [String] {
        tlsCertificates.map { ["--tls", "--cacert", $0.caPath] } ?? []
    }
}

extension RedisCluster.Options {
    /// The setting that makes a node announce another client port: under `tls-cluster yes` the port nodes
    /// announce is the TLS one, so a proxy's port goes in `cluster-announce-tls-port`.
    var announcedPortSetting: String {
        tls ? "cluster-announce-tls-port" : "cluster-announce-port"
    }
}
