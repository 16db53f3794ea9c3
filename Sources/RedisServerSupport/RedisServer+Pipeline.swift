extension RedisServer {
    /// Sends several commands on one connection, pipelined, and returns their raw replies in order; for
    /// tests and harness set-up (thousands of commands in one round trip, or `ASKING` before a command).
    public func commands(_ commands: [[String]], timeout: Duration = .seconds(10)) async throws -> [String] {
        guard !commands.isEmpty else { return [] }
        let endpoint = adminEndpoint
        let password = options.password
        return try await DedicatedThread.run {
            try RawRedisConnection.roundTrips(endpoint, commands: commands, password: password, timeout: timeout)
        }
    }
}
