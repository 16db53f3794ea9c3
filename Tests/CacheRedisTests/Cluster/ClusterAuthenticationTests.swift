import CacheCore
import Foundation
import Logging
import PersistentCache
import RedisServerSupport
import Testing

@testable import CacheRedis

/// A password-protected cluster (every node's `requirepass`, as hosted clusters and most production ones have):
/// the password from the URL reaches every node the cluster store connects to — seeds, nodes it learns from
/// the map, redirect targets — and a wrong or missing password is an `auth` failure, answered from memory,
/// never hidden behind `connection_refused` (which would point an operator at the network, not the setting).
@Suite("Redis Cluster with a password", .sharedRedisCluster(.init(primaries: 3)))
struct ClusterAuthenticationTests {
    static let password = "cluster secret"

    /// Sets the password on every node once; later calls find it set.
    static func protect(_ cluster: RedisCluster) async throws {
        for server in cluster.servers {
            if (try? await server.command(["PING"], password: password))?.contains("PONG") == true { continue }
            _ = try await server.command(["CONFIG", "SET", "requirepass", password])
        }
    }

    /// `redis://` URL of node `node` with `password` (percent-encoded) and the cluster forced or detected.
    static func url(_ cluster: RedisCluster, node: Int, password: String?, query: String = "") -> String {
        let userInfo = password.map { ":" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0) + "@" } ?? ""
        return "redis://\(userInfo)127.0.0.1:\(cluster.announcedPorts[node])" + query
    }

    @Test("the right password in KV_URL: detected cluster, hits on every primary, no KV error",
          arguments: ["", "?cluster=true"])
    func rightPassword(query: String) async throws {
        let cluster = try SharedRedisCluster.require()
        try await Self.protect(cluster)
        let namespace = query.isEmpty ? "authauto" : "authforced"
        let configuration = CacheConfiguration(namespace: namespace)
        let url = Self.url(cluster, node: 2, password: Self.password, query: query)
        let writer = TieredCache.fromEnvironment(["KV_URL": url], configuration: configuration, logger: RedisClusterStoreTests.logger)
        let reader = TieredCache.fromEnvironment(["KV_URL": url], configuration: configuration, logger: RedisClusterStoreTests.logger)
        await writer.setAnswers("question", count: 60)
        await reader.expectKVHits("question", count: 60)
        #expect(writer.mode == "redis-cluster" && reader.mode == "redis-cluster")
        #expect(writer.statistics().kvErrorsByClass.isEmpty, "\(writer.statistics().kvErrorsByClass)")
        #expect(reader.statistics().kvErrorsByClass.isEmpty, "\(reader.statistics().kvErrorsByClass)")
        // Keys landed on every primary, each reached with the password.
        var perNode: [Int] = []
        for server in cluster.servers {
            let count = try await server.command(
                ["EVAL", "return #redis.call('KEYS', ARGV[1])", "0", "\(namespace):question *"], password: Self.password)
            guard case .integer(let keys)? = RawRedisReply(count) else {
                Issue.record("EVAL answered \(count)")
                return
            }
            perNode.append(Int(keys))
        }
        #expect(perNode.reduce(0, +) == 60 && perNode.allSatisfy { $0 > 0 }, "\(perNode)")
        await writer.shutdown()
        await reader.shutdown()
    }

    @Test("a wrong or missing password: `auth` failures, answers from memory, nothing thrown",
          arguments: ["wrong password", nil] as [String?])
    func wrongPassword(password: String?) async throws {
        let cluster = try SharedRedisCluster.require()
        try await Self.protect(cluster)
        let url = Self.url(cluster, node: 0, password: password, query: "?cluster=true")
        let cache = TieredCache.fromEnvironment(
            ["KV_URL": url], configuration: CacheConfiguration(namespace: "authwrong", kvDeadline: .seconds(2)),
            logger: RedisClusterStoreTests.logger)
        #expect(cache.mode == "redis-cluster")
        let first = await cache.lookup("never stored")
        #expect(first.entry == nil)
        #expect(first.kvError == .authentication, "\(String(describing: first.kvError))")
        await cache.set("q", CacheEntry(text: "from memory", source: .kb))
        let answer = try await cache.getOrCompute("q") { CacheEntry(text: "computed", source: .llm) }
        #expect(answer.entry.text == "from memory" && answer.origin == .memory)
        let errors = cache.statistics().kvErrorsByClass
        #expect((errors["auth"] ?? 0) > 0, "\(errors)")
        #expect(errors["connection_refused"] == nil, "\(errors)")
        await cache.shutdown()
    }
}
