import CacheCore
import FaultProxy
import Foundation
import PersistentCache
import RedisServerSupport

extension VariantRunner {
    /// Performs `event` when it acts on the cluster side of a cluster run: proxy actions reach the node proxies
    /// (`node: N`, or every node), `restore-kv-config` gives the instances a cluster store again, and cluster
    /// actions start in the background. Returns false for every other event (and outside cluster runs).
    func performOnCluster(_ event: TimelineEvent) async throws -> Bool {
        guard let cluster else { return false }
        let proxies = event.node.map { [ClusterSide.proxyName(ofNode: $0)] } ?? cluster.proxyNames
        switch event.action {
        case .addToxic(let toxic):
            for proxy in proxies { _ = try await cluster.proxies.addToxic(toxic, to: proxy) }
        case .removeToxic(let name):
            var removed = 0
            for proxy in proxies where (try? await cluster.proxies.toxic(named: name, of: proxy)) != nil {
                try await cluster.proxies.removeToxic(named: name, from: proxy)
                removed += 1
            }
            guard removed > 0 else { throw ScenarioRunError("no targeted node proxy has a toxic named '\(name)'") }
        case .disableProxy, .enableProxy:
            let enabled = event.action == .enableProxy
            for proxy in proxies { _ = try await cluster.proxies.setEnabled(enabled, proxy: proxy) }
        case .restoreKVConfiguration:
            kvConfigured = true
            for instance in live {
                let selection = KVBackendSelection.detect(in: cluster.environment(forSlot: instance.slot))
                await instance.cache.replaceKVStore(KVStoreFactory.makeStore(
                    for: selection, redisConfiguration: redisConfiguration, logger: cacheLogger))
            }
        case .cluster(let action):
            startClusterOperation(action, on: cluster)
        default:
            return false
        }
        return true
    }

    /// Starts `action` in the background, after the one started before it: requests go on meanwhile, which is the
    /// point (a failover or a resharding under load). Its end is logged for `timeToKVHitAfterClusterActionMs` and
    /// the report's timeline; a failure fails the scenario.
    private func startClusterOperation(_ action: ClusterAction, on cluster: ClusterSide) {
        let previous = clusterRun.lastOperation
        let log = clusterRun.log
        let start = self.start
        let task = Task<String?, Never> {
            await log.run(action, on: cluster, after: previous, runStart: start)
        }
        clusterRun.lastOperation = task
        backgroundActions.append(task)
    }

    /// Reads every node's counters and proxy connections as the requests begin.
    func beginCluster() async {
        guard let cluster else { return }
        var statistics: [ClusterNodeStatistics?] = []
        var connections: [Int] = []
        for (node, server) in cluster.cluster.servers.enumerated() {
            statistics.append(await ClusterNodeStatistics.read(server))
            connections.append((try? await cluster.proxies.acceptedConnectionCount(of: ClusterSide.proxyName(ofNode: node))) ?? 0)
        }
        clusterRun.startStatistics = statistics
        clusterRun.startConnections = connections
    }

    /// Adds what only a cluster run has to its result: per-node traffic, the key spread over the primaries, the
    /// time from each cluster action's end to the next KV hit, and the actions' ends in the timeline.
    func finishCluster(_ result: inout VariantResult) async {
        guard let cluster else { return }
        let layout = try? await cluster.cluster.layout()
        var nodes: [ClusterNodeResult] = []
        for (node, server) in cluster.cluster.servers.enumerated() {
            let proxy = ClusterSide.proxyName(ofNode: node)
            let before = node < clusterRun.startStatistics.count ? clusterRun.startStatistics[node] : nil
            let during = await ClusterNodeStatistics.read(server)?.since(before) ?? ClusterNodeStatistics()
            var keys: Int?
            if server.isRunning, let reply = try? await server.command(["DBSIZE"], timeout: .seconds(2)),
               case .integer(let count)? = RawRedisReply(reply) {
                keys = count
            }
            let role: String
            if !server.isRunning {
                role = "down"
            } else if let primary = layout?.replicaOf[node] {
                role = "replica of \(primary)"
            } else {
                role = "primary"
            }
            let accepted = (try? await cluster.proxies.acceptedConnectionCount(of: proxy)) ?? 0
            let acceptedBefore = node < clusterRun.startConnections.count ? clusterRun.startConnections[node] : 0
            nodes.append(ClusterNodeResult(
                node: node, proxy: proxy, role: role, slots: layout?.slotCount(of: node) ?? 0, keys: keys,
                reads: during.calls(of: ClusterNodeStatistics.readCommands),
                writes: during.calls(of: ClusterNodeStatistics.writeCommands),
                commands: during.calls.values.reduce(0, +),
                movedReplies: during.errors["MOVED", default: 0], askReplies: during.errors["ASK", default: 0],
                proxyConnections: accepted - acceptedBefore))
        }
        result.clusterNodes = nodes
        result.metrics.minPrimaryKeyShare = Self.minimumKeyShare(nodes.filter { $0.role == "primary" && $0.slots > 0 })
        for index in result.instances.indices {
            result.instances[index].proxy = "seed \(ClusterSide.proxyName(ofNode: result.instances[index].slot % cluster.specification.primaries))"
        }

        let operations = clusterRun.log.all
        result.metrics.timeToKVHitAfterClusterActionMilliseconds = Self.worstTimeToKVHit(after: operations, in: records)
        for index in result.phases.indices {
            let phase = result.phases[index]
            let inPhase = operations.filter { $0.completedAt >= phase.startMilliseconds && $0.completedAt < phase.endMilliseconds }
            result.phases[index].metrics.timeToKVHitAfterClusterActionMilliseconds = Self.worstTimeToKVHit(after: inPhase, in: records)
        }
        for operation in operations {
            let event = AppliedEvent(
                atMilliseconds: operation.completedAt, afterRequests: records.filter { $0.startMilliseconds < operation.completedAt }.count,
                description: "\(operation.action.name) " + (operation.error == nil ? "completed" : "ended in failure (see the background timeline work)"),
                durationMilliseconds: operation.completedAt - operation.startedAt, error: nil)
            let position = result.events.firstIndex { $0.atMilliseconds > event.atMilliseconds } ?? result.events.endIndex
            result.events.insert(event, at: position)
        }
    }

    /// Fewest keys on a primary / mean keys per primary (NaN without primaries or keys).
    static func minimumKeyShare(_ primaries: [ClusterNodeResult]) -> Double {
        let counts = primaries.map { $0.keys ?? 0 }
        let total = counts.reduce(0, +)
        guard let fewest = counts.min(), total > 0 else { return .nan }
        return Double(fewest) / (Double(total) / Double(counts.count))
    }

    /// For each operation that completed without error: from its completion to the start of the first request
    /// sent after it that KV answered. The worst of them; NaN when one never saw a KV hit (or there is none).
    static func worstTimeToKVHit(after operations: [ClusterOperationLog.Entry], in records: [RequestRecord]) -> Double {
        var worst = -Double.infinity
        for operation in operations where operation.error == nil {
            let first = records.lazy.filter { $0.outcome == .kv && $0.startMilliseconds >= operation.completedAt }
                .map(\.startMilliseconds).min()
            guard let first else { return .nan }
            worst = max(worst, first - operation.completedAt)
        }
        return worst.isFinite ? worst : .nan
    }
}
