extension ScenarioParser {
    /// The backplane fields of `topology` (used with `readStrategy: memory-first`): `backplaneStalenessMs`
    /// (the bound on how long memory is trusted without word from the backplane) and `backplaneHeartbeatMs`.
    static func parseBackplane(_ reader: inout MappingReader, into topology: inout Topology) throws(ScenarioFileError) {
        topology.backplaneStalenessMilliseconds = try reader.int("backplaneStalenessMs", default: 1000, in: 10...600_000)
        topology.backplaneHeartbeatMilliseconds = try reader.int("backplaneHeartbeatMs", default: 100, in: 5...60_000)
    }

    /// The fields of an `invalidate` event: `pattern` (a glob over cache keys, default `*`), `instance` (the
    /// slot that invalidates, default 0) and `kbUpdate` (optional: the share of answers the knowledge base
    /// changes first, in the same step, so no request sees the change before the invalidation is under way).
    static func parseInvalidate(_ reader: inout MappingReader) throws(ScenarioFileError) -> TimelineAction {
        let pattern = try reader.string("pattern", default: "*") ?? "*"
        let instance = try reader.int("instance", default: 0, in: 0...1023)
        let kbUpdate = reader.has("kbUpdate") ? try reader.double("kbUpdate", in: 0...1) : nil
        return .invalidate(pattern: pattern, instance: instance, kbUpdate: kbUpdate)
    }

    /// `target: backplane` needs memory-first over Redis: only then do instances hold a subscriber connection,
    /// behind a proxy of its own (over REST the poller shares the instance's proxy).
    static func validateBackplane(_ scenario: Scenario, line: (Int) -> Int?) throws(ScenarioFileError) {
        for (index, event) in scenario.timeline.enumerated() where event.target == .backplane {
            guard scenario.topology.readStrategy == .memoryFirst, scenario.topology.backend == .redis else {
                throw ScenarioFileError(file: scenario.file, line: line(index), field: "timeline[\(index)].target",
                                        expected: "'backplane' only with 'readStrategy: memory-first' and 'backend: redis'",
                                        found: "'backplane'")
            }
        }
    }
}
