import CacheCore

/// One serverless instance: one ``TieredCache`` with its own memory tier and its own Redis connections.
struct CacheInstance: Sendable {
    /// Numbered from 0 in creation order, across deploys.
    let id: Int
    /// The instance's place in the topology: a deploy's replacement takes the same slot (and proxy).
    let slot: Int
    /// The instance's cache.
    let cache: TieredCache
    /// The origin calls its computations made, so single-flight followers are charged their wait as origin time.
    let originCalls = OriginCallLog()
}
