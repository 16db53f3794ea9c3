@testable import CacheRedis

/// Reply trees shaped like `CLUSTER SHARDS` and `CLUSTER SLOTS` answers, for the parser tests.
enum ClusterReplyBuilders {
    static func bulk(_ text: String) -> RedisReply { .bulkString(Array(text.utf8)) }

    /// One node of a `CLUSTER SHARDS` shard.
    static func shardNode(
        id: String, endpoint: String? = "127.0.0.1", ip: String = "127.0.0.1", port: Int, tlsPort: Int? = nil,
        role: String = "master", health: String = "online"
    ) -> RedisReply {
        var fields: [RedisReply] = [bulk("id"), bulk(id), bulk("port"), .integer(Int64(port))]
        if let tlsPort { fields += [bulk("tls-port"), .integer(Int64(tlsPort))] }
        fields += [bulk("ip"), bulk(ip)]
        if let endpoint { fields += [bulk("endpoint"), bulk(endpoint)] }
        fields += [
            bulk("role"), bulk(role), bulk("replication-offset"), .integer(72156), bulk("health"), bulk(health),
        ]
        return .array(fields)
    }

    /// One shard of `CLUSTER SHARDS`.
    static func shard(slots: [ClosedRange<Int>], nodes: [RedisReply]) -> RedisReply {
        .array([
            bulk("slots"), .array(slots.flatMap { [RedisReply.integer(Int64($0.lowerBound)), .integer(Int64($0.upperBound))] }),
            bulk("nodes"), .array(nodes),
        ])
    }

    /// A `CLUSTER SHARDS` reply for primaries on ports 7000, 7001, 7002 splitting the slots as
    /// `redis-cli --cluster create` does, with `replicas` replicas each on ports 7100 + 10·shard + n.
    static func threeShards(replicas: Int = 0) -> RedisReply {
        let ranges = [0...5460, 5461...10922, 10923...16383]
        return .array(ranges.enumerated().map { index, range in
            shard(slots: [range], nodes: [shardNode(id: "p\(index)", port: 7000 + index)]
                + (0..<replicas).map { shardNode(id: "r\(index)\($0)", port: 7100 + 10 * index + $0, role: "replica") })
        })
    }

    /// A `CLUSTER SLOTS` node: `[endpoint, port, id]`.
    static func slotsNode(_ endpoint: RedisReply, port: Int, id: String) -> RedisReply {
        .array([endpoint, .integer(Int64(port)), bulk(id)])
    }

    /// A `CLUSTER SLOTS` entry.
    static func slotsEntry(_ range: ClosedRange<Int>, _ nodes: RedisReply...) -> RedisReply {
        .array([.integer(Int64(range.lowerBound)), .integer(Int64(range.upperBound))] + nodes)
    }

    static func address(_ port: Int, host: String = "127.0.0.1") -> ClusterNodeAddress {
        ClusterNodeAddress(host: host, port: port)
    }

    static func slot(_ number: Int) -> ClusterSlot {
        guard let slot = ClusterSlot(number) else { preconditionFailure("test slot \(number) out of range") }
        return slot
    }
}
