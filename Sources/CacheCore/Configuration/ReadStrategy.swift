/// The order in which ``TieredCache`` reads its tiers (``CacheConfiguration/readStrategy``).
public enum ReadStrategy: String, Sendable, Hashable, CaseIterable {
    /// KV first, then memory (the plan's order, the default): every hit pays a KV round trip, and an
    /// answer changed by another instance is seen at once.
    case kvFirst = "kv-first"
    /// Memory first: a memory hit answers at memory speed, a memory miss reads KV. Coherence between
    /// instances comes from the backplane (``KVBackplane``): every `set` and `invalidate` is published and
    /// the other instances drop their copy. Memory is trusted only while the backplane has confirmed,
    /// within ``BackplanePolicy/maximumStaleness``, that no message was missed; otherwise the read goes KV
    /// first, as with ``kvFirst``. A KV store without a backplane makes this strategy behave as ``kvFirst``.
    case memoryFirst = "memory-first"
}
