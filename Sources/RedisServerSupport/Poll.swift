/// Waiting for something that happens in the background (a subscription, a message, a reconnect), for tests
/// and harnesses: checks every 10 ms, gives up after a limit.
public enum Poll {
    /// Returns as soon as `condition` holds (true), or false once `limit` has passed without it holding.
    public static func until(within limit: Duration = .seconds(10), _ condition: () async -> Bool) async -> Bool {
        let end = ContinuousClock.now + limit
        while ContinuousClock.now < end {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return await condition()
    }
}
