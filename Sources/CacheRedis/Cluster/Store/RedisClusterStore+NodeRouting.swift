import CacheCore

extension RedisClusterStore: KVNodeRouting {
    /// Always true: every call is routed to the primary of its key's slot.
    public var routesAcrossNodes: Bool { true }
}

extension RedisClusterDetectingStore: KVNodeRouting {
    /// True once the server turned out to be a cluster node.
    public var routesAcrossNodes: Bool { clusterStore != nil }
}
