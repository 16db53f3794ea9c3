/// A ``KVStore`` whose calls may go to several independent nodes (a Redis Cluster), so that one node's
/// failures say nothing about the others.
///
/// ``TieredCache`` puts one circuit breaker in front of each store. For a store spread over nodes, that
/// breaker would open on one dead primary's errors and cut every healthy primary off too (seen in the
/// `cluster-partition` scenario: the KV-hit share of the healthy two thirds fell from ~60 % to ~20 %). While
/// ``routesAcrossNodes`` is true the breaker lets every call through, and each request still ends by its own
/// deadline with a classified error, as without a breaker. A breaker per node is the better answer and is
/// open work.
public protocol KVNodeRouting: KVStore {
    /// Whether calls are routed across several nodes right now (a store that detects a cluster at run
    /// time answers false until it knows).
    var routesAcrossNodes: Bool { get }
}
