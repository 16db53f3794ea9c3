extension TimelineAction {
    /// Whether the action acts on the one redis-server (or the REST bridge) of a `redis`/`rest` scenario, so a
    /// cluster scenario cannot use it: a cluster has many servers, and its own actions (`cluster-*`).
    public var needsSingleServer: Bool {
        switch self {
        case .redisStop, .redisKill, .redisRestart, .redisFreeze, .redisThaw, .redisClientPause, .redisMaxClients,
             .redisPassword, .redisDebugSleep, .redisMaxMemory, .foreignWrite, .restFault, .restFaultClear:
            return true
        default:
            return false
        }
    }

    /// Whether the action needs `topology.backend: redis-cluster`.
    public var needsCluster: Bool {
        if case .cluster = self { return true }
        return false
    }
}
