import Metrics

/// A cluster store's swift-metrics instruments (created per store, never global):
/// - `cache_kv_cluster_redirections_total{kind=moved|ask}`
/// - `cache_kv_cluster_retries_total{kind=tryagain|clusterdown}`
/// - `cache_kv_cluster_refreshes_total{result=ok|failed}`
/// - `cache_kv_cluster_node_requests_total{node=host:port}` (per-node traffic)
/// - `cache_kv_cluster_replica_fallbacks_total` (replica reads a failing replica sent on to the primary)
final class ClusterMetrics: Sendable {
    private let moved: Counter
    private let ask: Counter
    private let tryAgain: Counter
    private let clusterDown: Counter
    private let refreshOK: Counter
    private let refreshFailed: Counter
    private let replicaFallback: Counter
    private let factory: any MetricsFactory

    init(factory: any MetricsFactory) {
        self.factory = factory
        moved = Counter(label: "cache_kv_cluster_redirections_total", dimensions: [("kind", "moved")], factory: factory)
        ask = Counter(label: "cache_kv_cluster_redirections_total", dimensions: [("kind", "ask")], factory: factory)
        tryAgain = Counter(label: "cache_kv_cluster_retries_total", dimensions: [("kind", "tryagain")], factory: factory)
        clusterDown = Counter(label: "cache_kv_cluster_retries_total", dimensions: [("kind", "clusterdown")], factory: factory)
        refreshOK = Counter(label: "cache_kv_cluster_refreshes_total", dimensions: [("result", "ok")], factory: factory)
        refreshFailed = Counter(label: "cache_kv_cluster_refreshes_total", dimensions: [("result", "failed")], factory: factory)
        replicaFallback = Counter(label: "cache_kv_cluster_replica_fallbacks_total", factory: factory)
    }

    /// Counts a replica read that its replica failed and the primary was asked instead.
    func recordReplicaFallback() {
        replicaFallback.increment()
    }

    /// Counts a redirection or retry reply.
    func record(_ redirection: ClusterRedirection) {
        switch redirection {
        case .moved: moved.increment()
        case .ask: ask.increment()
        case .tryAgain: tryAgain.increment()
        case .clusterDown: clusterDown.increment()
        }
    }

    /// Counts a finished topology refresh.
    func recordRefresh(succeeded: Bool) {
        (succeeded ? refreshOK : refreshFailed).increment()
    }

    /// The request counter of one node (held by its connection set, so the hot path looks nothing up).
    func nodeRequests(_ node: ClusterNodeAddress) -> Counter {
        Counter(label: "cache_kv_cluster_node_requests_total", dimensions: [("node", node.description)], factory: factory)
    }
}
