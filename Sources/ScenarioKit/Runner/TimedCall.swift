import CacheCore

/// One cache call's outcome and when the call itself began and returned.
struct TimedCall: Sendable {
    let result: Result<CacheResult, any Error>
    let calledAt: ContinuousClock.Instant
    let returnedAt: ContinuousClock.Instant
}
