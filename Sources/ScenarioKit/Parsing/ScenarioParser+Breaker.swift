extension ScenarioParser {
    /// The topology's circuit-breaker keys (issue 11): `circuitBreaker` (bool) and `breakerAuthCoolDownMs`.
    static func parseBreakerSettings(_ reader: inout MappingReader, into topology: inout Topology) throws(ScenarioFileError) {
        topology.circuitBreaker = try reader.bool("circuitBreaker", default: true)
        if reader.has("breakerAuthCoolDownMs") {
            topology.breakerAuthCoolDownMilliseconds = try reader.int("breakerAuthCoolDownMs", in: 1...3_600_000)
        }
    }
}
