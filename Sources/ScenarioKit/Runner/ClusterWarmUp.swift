import Logging
import RedisServerSupport
import Synchronization

/// A Redis Cluster's nodes starting in the background for a scenario that runs later (the next one in a suite).
///
/// A cluster cannot be ready sooner than about 2 s after its nodes start (a primary reports `cluster_state:ok` no
/// earlier), and idle nodes cost next to nothing, so a suite starts the next cluster scenario's nodes while the
/// scenario before it runs; ``ScenarioRunner/run(_:warmedUp:)`` then only joins them (proxies, slots, meetings)
/// and waits for the cluster to agree. The scenario's own duration no longer counts those 2 s; the suite's does.
/// The nodes are registered with the run's ``ProcessCleanup`` as soon as they run, so Ctrl-C stops them too.
public final class ClusterWarmUp: Sendable {
    /// The cluster the nodes are for.
    let specification: ClusterSpecification
    private let starting: Task<RedisClusterNodes?, Never>
    private let claimed = OnceFlag()
    private let handedOver = Atomic<Bool>(false)
    private let cleanup: ProcessCleanup

    init(specification: ClusterSpecification, logger: Logger, cleanup: ProcessCleanup) {
        self.specification = specification
        self.cleanup = cleanup
        let options = ClusterSide.options(for: specification)
        starting = Task {
            do {
                let nodes = try await RedisCluster.startNodes(options: options, logger: logger)
                for server in nodes.servers { cleanup.register(server) }
                return nodes
            } catch {
                // The scenario starts its own nodes then, and says why if that fails too.
                logger.warning("starting a cluster's nodes ahead failed", metadata: ["error": "\(error)"])
                return nil
            }
        }
    }

    /// The started nodes for a cluster like `specification`, once; nil when they are for another cluster (or the
    /// scenario has none), could not start, or were taken already (the caller starts its own). Nodes not taken
    /// are stopped.
    func take(for specification: ClusterSpecification?) async -> RedisClusterNodes? {
        guard claimed.claim() else { return nil }
        let nodes = await starting.value
        guard specification == self.specification else {
            if let nodes { release(nodes) }
            return nil
        }
        handedOver.store(nodes != nil, ordering: .relaxed)
        return nodes
    }

    /// Whether a scenario took the nodes (for tests: the run used them rather than starting its own).
    var wasHandedOver: Bool { handedOver.load(ordering: .relaxed) }

    /// Stops the nodes unless a scenario took them.
    public func discard() async {
        guard claimed.claim(), let nodes = await starting.value else { return }
        release(nodes)
    }

    private func release(_ nodes: RedisClusterNodes) {
        for server in nodes.servers { cleanup.release(server) }
        nodes.cleanUp()
    }
}
