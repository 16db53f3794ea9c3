import CacheCore

/// One cache call's outcome, the instance's breaker state as the call began, and when the call itself
/// began and returned.
struct TimedCall: Sendable {
    let result: Result<CacheResult, any Error>
    let circuit: CircuitState?
    let calledAt: ContinuousClock.Instant
    let returnedAt: ContinuousClock.Instant
}
