/// How many HTTP requests a ``VercelKVStore`` has sent and how many commands they carried: their ratio
/// is the batch size automatic pipelining reaches (`cache-bench` prints it for the `rest.get` cases).
public struct RESTRequestStatistics: Sendable, Hashable {
    /// HTTP requests sent (each a single command or a `/pipeline`).
    public var requests: Int
    /// Commands those requests carried.
    public var commands: Int

    /// Creates statistics.
    public init(requests: Int, commands: Int) {
        self.requests = requests
        self.commands = commands
    }

    /// Commands per request, or 0 before the first request.
    public var commandsPerRequest: Double { requests == 0 ? 0 : Double(commands) / Double(requests) }

    /// The requests and commands since `earlier`.
    public func since(_ earlier: RESTRequestStatistics) -> RESTRequestStatistics {
        RESTRequestStatistics(requests: requests - earlier.requests, commands: commands - earlier.commands)
    }
}
