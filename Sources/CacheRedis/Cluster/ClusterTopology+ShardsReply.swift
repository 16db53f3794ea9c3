extension ClusterTopology {
    /// Reads a `CLUSTER SHARDS` reply (Redis/Valkey 7.0+).
    ///
    /// Each shard lists its slots as start/end pairs and its nodes with `role` and `health`. The address is
    /// the node's preferred `endpoint` (falling back to `ip`); an empty one means the node asked
    /// (`askedNode`'s host), and `?` means the node does not know its address, so the node is left out
    /// (a shard whose primary is left out leaves its slots uncovered). During a failover a shard can list a
    /// failed old primary beside the promoted one: the online primary wins. With `tls`, a node's
    /// `tls-port` is used where it has one.
    init(clusterShardsReply reply: RedisReply, askedNode: ClusterNodeAddress, tls: Bool = false) throws(ClusterTopologyError) {
        if case .error(let message) = reply { throw .serverError(message) }
        guard let shardReplies = reply.clusterElements else { throw .malformed("CLUSTER SHARDS: not an array") }
        var shards: [ClusterShard] = []
        for shardReply in shardReplies {
            guard let fields = shardReply.clusterFields,
                let slotNumbers = fields["slots"]?.clusterElements?.map(\.clusterInteger),
                slotNumbers.count.isMultiple(of: 2),
                let nodeReplies = fields["nodes"]?.clusterElements
            else { throw .malformed("CLUSTER SHARDS: a shard without `slots` pairs and `nodes`") }
            var ranges: [ClosedRange<Int>] = []
            for index in stride(from: 0, to: slotNumbers.count, by: 2) {
                guard let start = slotNumbers[index], let end = slotNumbers[index + 1], start <= end else {
                    throw .malformed("CLUSTER SHARDS: slot pair \(slotNumbers[index] ?? -1)-\(slotNumbers[index + 1] ?? -1)")
                }
                ranges.append(start...end)
            }
            var primaries: [ClusterNode] = []
            var replicas: [ClusterNode] = []
            for nodeReply in nodeReplies {
                guard let node = try Self.shardNode(nodeReply, askedNode: askedNode, tls: tls) else { continue }
                if node.isPrimary { primaries.append(node.node) } else { replicas.append(node.node) }
            }
            let online = primaries.filter { $0.health == .online }
            guard online.count <= 1 else {
                throw .malformed("CLUSTER SHARDS: a shard with \(online.count) online primaries")
            }
            guard let primary = online.first ?? primaries.first else {
                // No usable primary: the slots stay uncovered rather than routed to a guess.
                continue
            }
            let demoted = primaries.filter { $0 != primary }
            shards.append(ClusterShard(primary: primary, replicas: replicas + demoted, slotRanges: ranges))
        }
        try self.init(shards: shards)
    }

    private static func shardNode(
        _ reply: RedisReply, askedNode: ClusterNodeAddress, tls: Bool
    ) throws(ClusterTopologyError) -> (node: ClusterNode, isPrimary: Bool)? {
        guard let fields = reply.clusterFields, let role = fields["role"]?.clusterText else {
            throw .malformed("CLUSTER SHARDS: a node without `role`")
        }
        let tlsPort = tls ? fields["tls-port"]?.clusterInteger : nil
        guard let port = tlsPort ?? fields["port"]?.clusterInteger, port > 0 else {
            throw .malformed("CLUSTER SHARDS: a node without a port")
        }
        let endpoint = fields["endpoint"]?.clusterText
        let ip = fields["ip"]?.clusterText
        let host: String
        switch (endpoint, ip) {
        case (.some(let endpoint), _) where !endpoint.isEmpty && endpoint != "?": host = endpoint
        case (_, .some(let ip)) where !ip.isEmpty && ip != "?": host = ip
        case (.some("?"), _): return nil
        default: host = askedNode.host
        }
        // Redis documents "failed" and some versions print "fail": both mean failed.
        let healthText = fields["health"]?.clusterText
        let health = healthText == "fail" ? .failed : healthText.flatMap(ClusterNode.Health.init(rawValue:)) ?? .online
        let node = ClusterNode(id: fields["id"]?.clusterText, address: ClusterNodeAddress(host: host, port: port), health: health)
        return (node, role == "master" || role == "primary")
    }
}
