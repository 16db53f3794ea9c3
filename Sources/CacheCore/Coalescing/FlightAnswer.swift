/// What one shared computation of `getOrCompute` produced, and where the answer came from: computed here,
/// or found (in memory or in the KV tier) because another caller or instance computed it meanwhile.
struct FlightAnswer: Sendable {
    var entry: CacheEntry
    var origin: CacheResult.Origin
}
