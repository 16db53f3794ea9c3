extension ClusterTopology {
    /// Reads a `CLUSTER SLOTS` reply (servers older than 7.0, where `CLUSTER SHARDS` does not exist).
    ///
    /// Each entry is `start, end, primary, replica …`, a node being `[endpoint, port, id, …]`. A null or
    /// empty endpoint means the node asked (`askedNode`'s host); `?` means unknown, and such a node is left
    /// out. Entries of one primary are gathered into one shard. The reply says nothing about health.
    init(clusterSlotsReply reply: RedisReply, askedNode: ClusterNodeAddress) throws(ClusterTopologyError) {
        if case .error(let message) = reply { throw .serverError(message) }
        guard let entries = reply.clusterElements else { throw .malformed("CLUSTER SLOTS: not an array") }
        var shards: [ClusterShard] = []
        var shardByPrimary: [ClusterNodeAddress: Int] = [:]
        for entry in entries {
            guard let parts = entry.clusterElements, parts.count >= 3,
                let start = parts[0].clusterInteger, let end = parts[1].clusterInteger, start <= end
            else { throw .malformed("CLUSTER SLOTS: an entry without a slot range and a primary") }
            let nodes = try parts.dropFirst(2).map { (part) throws(ClusterTopologyError) in
                try Self.slotsNode(part, askedNode: askedNode)
            }
            guard let primary = nodes.first ?? nil else { continue }
            let replicas = nodes.dropFirst().compactMap { $0 }
            if let index = shardByPrimary[primary.address] {
                let shard = shards[index]
                let knownReplicas = Set(shard.replicas)
                shards[index] = ClusterShard(
                    primary: shard.primary, replicas: shard.replicas + replicas.filter { !knownReplicas.contains($0) },
                    slotRanges: shard.slotRanges + [start...end])
            } else {
                shardByPrimary[primary.address] = shards.count
                shards.append(ClusterShard(primary: primary, replicas: Array(replicas), slotRanges: [start...end]))
            }
        }
        try self.init(shards: shards)
    }

    private static func slotsNode(_ reply: RedisReply, askedNode: ClusterNodeAddress) throws(ClusterTopologyError) -> ClusterNode? {
        guard let parts = reply.clusterElements, parts.count >= 2, let port = parts[1].clusterInteger, port > 0 else {
            throw .malformed("CLUSTER SLOTS: a node without endpoint and port")
        }
        let host: String
        switch parts[0] {
        case .null: host = askedNode.host
        default:
            guard let endpoint = parts[0].clusterText else { throw .malformed("CLUSTER SLOTS: endpoint is not text") }
            if endpoint == "?" { return nil }
            host = endpoint.isEmpty ? askedNode.host : endpoint
        }
        let id = parts.count >= 3 ? parts[2].clusterText : nil
        return ClusterNode(id: id, address: ClusterNodeAddress(host: host, port: port))
    }
}
