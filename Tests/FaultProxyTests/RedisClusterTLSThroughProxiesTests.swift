import FaultProxy
import Foundation
import Logging
import RedisServerSupport
import Testing

/// A TLS-only cluster behind TCP fault proxies: under `tls-cluster yes` the announced port is the TLS one
/// (`cluster-announce-tls-port`), so topology replies must name the proxies as the nodes' `tls-port`s.
@Suite("TLS Redis Cluster behind fault proxies")
struct RedisClusterTLSThroughProxiesTests {
    @Test("a TLS cluster announces the proxies as its nodes' TLS ports; redis-cli --tls created it through them")
    func announcedTLSPorts() async throws {
        let registry = ProxyRegistry(seed: 17, logger: Logger(label: "fault-proxy-test"))
        do {
            // `start` waits until every node sees every other at its announced port, so reaching the end proves
            // the announcement; the checks below show what clients read.
            let cluster = try await RedisCluster.start(options: .init(primaries: 3, tls: true)) { node, serverPort in
                try await registry.createProxy(ProxyConfiguration(name: "tlsnode\(node)", upstream: "127.0.0.1:\(serverPort)")).listenPort
            }
            defer { cluster.cleanUp() }
            let proxyPorts = try await (0..<3).asyncMap { try await registry.proxy(named: "tlsnode\($0)").listenPort }
            #expect(cluster.announcedPorts == proxyPorts)
            #expect(cluster.tlsCertificates != nil)
            #expect(cluster.url(node: 0).hasPrefix("rediss://127.0.0.1:\(proxyPorts[0])?ssl_ca_certs="))
            let shards = try await cluster.servers[1].command(["CLUSTER", "SHARDS"])
            for port in proxyPorts {
                #expect(shards.contains("tls-port\r\n:\(port)\r\n"), "CLUSTER SHARDS does not name proxy port \(port)")
            }
            let entries = ClusterNodesEntry.parse(try #require(RawRedisReply(try await cluster.servers[2].command(["CLUSTER", "NODES"]))?.text))
            #expect(Set(entries.map(\.port)) == Set(proxyPorts))
        } catch {
            await registry.shutdown()
            throw error
        }
        await registry.shutdown()
    }
}
