import FaultProxy
import Foundation
import Yams

/// Reads scenario files (YAML, or JSON, which the YAML parser also reads) into ``Scenario`` values,
/// refusing anything it does not understand with an error that names the file, the field and what was
/// expected.
public enum ScenarioParser {
    /// The file extensions treated as scenario files.
    public static let fileExtensions: Set<String> = ["yaml", "yml", "json"]

    /// Reads and validates one file.
    public static func load(file path: String) throws(ScenarioFileError) -> Scenario {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ScenarioFileError(file: path, field: "(file)", expected: "a readable UTF-8 file", found: "\(error.localizedDescription)")
        }
        return try parse(text, file: path)
    }

    /// Finds the scenario files named by `paths` (files, or directories searched one level deep), sorted by
    /// name within each directory.
    public static func scenarioFiles(in paths: [String]) throws(ScenarioFileError) -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ScenarioFileError(file: path, field: "(file)", expected: "an existing scenario file or directory", found: "nothing at this path")
            }
            if isDirectory.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
                let found = names.filter { fileExtensions.contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
                files += found.map { (path as NSString).appendingPathComponent($0) }
            } else {
                files.append(path)
            }
        }
        return files
    }

    /// Parses scenario text; `file` is only used to name it in errors and in the result.
    public static func parse(_ text: String, file: String) throws(ScenarioFileError) -> Scenario {
        let root: Node
        do {
            guard let parsed = try Yams.compose(yaml: text) else {
                throw ScenarioFileError(file: file, field: "(file)", expected: "a scenario mapping", found: "an empty document")
            }
            root = parsed
        } catch let error as ScenarioFileError {
            throw error
        } catch {
            let message = "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
            throw ScenarioFileError(file: file, field: "(file)", expected: "valid YAML or JSON", found: "a syntax error: \(message)")
        }
        var reader = try MappingReader(root, file: file, path: "")
        let defaultName = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        let name = try reader.string("name", default: defaultName.isEmpty ? "scenario" : defaultName) ?? "scenario"
        let title = try reader.string("title", default: name) ?? name
        // Folded YAML blocks (`>`) end with a newline; the report adds its own spacing.
        let description = (try reader.string("description", default: "") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let deadline = try reader.int("kvDeadlineMs", default: 2000, in: 1...60_000)
        let initialPhase = try reader.string("initialPhase", default: "start") ?? "start"
        let topology = try parseTopology(try reader.requiredNode("topology", expected: "a topology mapping"), file: file)
        let workload = try parseWorkload(try reader.requiredNode("workload", expected: "a workload mapping"), file: file)
        let origin = try parseOrigin(reader.node("origin"), file: file)
        let timeline = try parseTimeline(reader.node("timeline"), file: file, requests: workload.requests)
        let expectations = try parseExpectations(reader.node("expectations"), file: file)
        let baseline: Scenario.Baseline? = reader.has("baseline") ? try reader.choice("baseline") : nil
        let quick = try parseQuick(reader.node("quick"), file: file)
        try reader.finish()

        let scenario = Scenario(
            name: name, title: title, description: description, file: file, kvDeadlineMilliseconds: deadline,
            topology: topology, workload: workload, origin: origin, timeline: timeline, expectations: expectations,
            baseline: baseline, quick: quick, initialPhase: initialPhase)
        try validate(scenario, root: root)
        return scenario
    }

    // MARK: - Sections

    static func parseTopology(_ node: Node, file: String) throws(ScenarioFileError) -> Topology {
        var reader = try MappingReader(node, file: file, path: "topology")
        var topology = Topology(
            instances: try reader.int("instances", default: 1, in: 1...64),
            backend: try reader.choice("backend"),
            readStrategy: try reader.choice("readStrategy", default: .kvFirst),
            persistence: try reader.bool("persistence", default: false),
            redisConnections: try reader.int("redisConnections", default: 1, in: 1...64),
            routing: try reader.choice("routing", default: .random),
            memoryMaximumEntries: try reader.int("memoryMaximumEntries", default: 10_000, in: 1...10_000_000),
            reconnectBackoffMaximumMilliseconds: reader.has("reconnectBackoffMaxMs")
                ? try reader.int("reconnectBackoffMaxMs", in: 1...60_000) : nil,
            softTimeoutMilliseconds: reader.has("softTimeoutMs") ? try reader.int("softTimeoutMs", in: 1...600_000) : nil,
            proxies: try reader.choice("proxies", default: .shared))
        try parseBreakerSettings(&reader, into: &topology)
        topology.cluster = try parseCluster(&reader, backend: topology.backend)
        try parseBackplane(&reader, into: &topology)
        try reader.finish()
        return topology
    }

    static func parseWorkload(_ node: Node, file: String) throws(ScenarioFileError) -> WorkloadSpecification {
        var reader = try MappingReader(node, file: file, path: "workload")
        let workload = WorkloadSpecification(
            questions: try reader.int("questions", in: 1...1_000_000),
            zipfExponent: try reader.double("zipfExponent", default: 1.0, in: 0...5),
            requests: try reader.int("requests", in: 1...10_000_000),
            concurrency: try reader.int("concurrency", default: 8, in: 1...1024),
            seed: UInt64(try reader.int("seed", default: 1, in: 0...Int.max)),
            ttlSeconds: try reader.int("ttlSeconds", default: 3600, in: 1...31_536_000),
            ratePerSecond: reader.has("ratePerSecond")
                ? try reader.double("ratePerSecond", in: 0...1_000_000, excludingLowerBound: true) : nil)
        try reader.finish()
        return workload
    }

    static func parseOrigin(_ node: Node?, file: String) throws(ScenarioFileError) -> OriginSpecification {
        guard let node else { return OriginSpecification() }
        var reader = try MappingReader(node, file: file, path: "origin")
        let defaults = OriginSpecification()
        let kbShare = try reader.double("kbShare", default: defaults.kbShare, in: 0...1)
        let kb = try reader.node("kbLatencyMs").map { node throws(ScenarioFileError) in
            try parseLatency(node, file: file, path: "origin.kbLatencyMs")
        } ?? defaults.kbLatency
        let llm = try reader.node("llmLatencyMs").map { node throws(ScenarioFileError) in
            try parseLatency(node, file: file, path: "origin.llmLatencyMs")
        } ?? defaults.llmLatency
        let scale = try reader.double("latencyScale", default: 1, in: 0...10, excludingLowerBound: true)
        let answerBytes = try reader.node("answerBytes").map { node throws(ScenarioFileError) in
            try parseDistribution(node, file: file, path: "origin.answerBytes", maximum: OriginSpecification.maximumAnswerBytes, unit: "bytes")
        }
        try reader.finish()
        return OriginSpecification(kbShare: kbShare, kbLatency: kb, llmLatency: llm, latencyScale: scale, answerBytes: answerBytes)
    }

    static func parseLatency(_ node: Node, file: String, path: String) throws(ScenarioFileError) -> LatencyDistribution {
        try parseDistribution(node, file: file, path: path, maximum: 600_000, unit: "milliseconds")
    }

    /// A number (fixed) or a distribution mapping, every value in 0…`maximum` `unit`.
    static func parseDistribution(
        _ node: Node, file: String, path: String, maximum limit: Double, unit: String
    ) throws(ScenarioFileError) -> LatencyDistribution {
        if case .scalar = node {
            guard let value = MappingReader.number(node), value >= 0, value <= limit else {
                throw ScenarioFileError(file: file, line: node.mark?.line, field: path,
                                        expected: "\(unit) in 0…\(ScenarioMetric.format(limit)), or a distribution mapping", found: MappingReader.describe(node))
            }
            return .fixed(value)
        }
        var reader = try MappingReader(node, file: file, path: path)
        enum Kind: String, CaseIterable { case fixed, uniform, lognormal }
        let kind: Kind = try reader.choice("distribution", default: .uniform)
        let distribution: LatencyDistribution
        switch kind {
        case .fixed:
            distribution = .fixed(try reader.double("value", in: 0...limit))
        case .uniform:
            let minimum = try reader.double("min", in: 0...limit)
            let maximum = try reader.double("max", in: 0...limit)
            guard maximum >= minimum else {
                throw reader.error("max", expected: "a number ≥ min (\(ScenarioMetric.format(minimum)))", found: reader.node("max"))
            }
            distribution = .uniform(minimum: minimum, maximum: maximum)
        case .lognormal:
            let median = try reader.double("median", in: 0...limit, excludingLowerBound: true)
            let p99 = try reader.double("p99", in: 0...limit, excludingLowerBound: true)
            guard p99 > median else {
                throw reader.error("p99", expected: "a number > median (\(ScenarioMetric.format(median)))", found: reader.node("p99"))
            }
            distribution = .logNormal(median: median, p99: p99)
        }
        try reader.finish()
        return distribution
    }

    static func parseTimeline(_ node: Node?, file: String, requests: Int) throws(ScenarioFileError) -> [TimelineEvent] {
        guard let node else { return [] }
        guard case .sequence(let items) = node else {
            throw ScenarioFileError(file: file, line: node.mark?.line, field: "timeline", expected: "a list of events", found: MappingReader.describe(node))
        }
        var events: [TimelineEvent] = []
        for (index, item) in items.enumerated() {
            let path = "timeline[\(index)]"
            var reader = try MappingReader(item, file: file, path: path)
            let trigger: TimelineEvent.Trigger
            switch (reader.has("afterRequests"), reader.has("atSeconds")) {
            case (true, false):
                trigger = .afterRequests(try reader.int("afterRequests", in: 0...requests))
            case (false, true):
                trigger = .afterSeconds(try reader.double("atSeconds", in: 0...3600))
            default:
                throw ScenarioFileError(file: file, line: reader.line, field: "\(path).afterRequests",
                                        expected: "exactly one of 'afterRequests' (0…\(requests)) or 'atSeconds'",
                                        found: reader.has("afterRequests") ? "both" : "neither")
            }
            let actionName = try reader.string("action", required: true) ?? ""
            let action: TimelineAction
            switch actionName {
            case "add-toxic":
                action = .addToxic(try parseToxic(try reader.requiredNode("toxic", expected: "a toxic mapping"), file: file, path: "\(path).toxic"))
            case "remove-toxic":
                action = .removeToxic(name: try reader.string("name", required: true) ?? "")
            case "disable-proxy": action = .disableProxy
            case "enable-proxy": action = .enableProxy
            case "redis-stop": action = .redisStop
            case "redis-kill": action = .redisKill
            case "redis-restart": action = .redisRestart
            case "deploy": action = .deploy
            case "cold-start": action = .coldStart(count: try reader.int("count", default: 1, in: 1...64))
            case "remove-kv-config": action = .removeKVConfiguration
            case "restore-kv-config": action = .restoreKVConfiguration
            case "settle": action = .settle
            case "pause":
                action = .pause(milliseconds: try reader.int("ms", in: 0...600_000),
                                scaledInQuickMode: try reader.bool("scaledInQuickMode", default: true))
            case "mark": action = .mark
            case "origin-fail": action = .originFail(share: try reader.double("share", default: 1, in: 0...1))
            case "origin-slow": action = .originSlow(factor: try reader.double("factor", default: 10, in: 0...10_000))
            case "origin-restore": action = .originRestore
            case "kb-update": action = .kbUpdate(share: try reader.double("share", default: 1, in: 0...1))
            case "redis-freeze": action = .redisFreeze
            case "redis-thaw": action = .redisThaw
            case "redis-client-pause":
                enum PauseMode: String, CaseIterable { case all, write }
                let milliseconds = try reader.int("ms", in: 1...600_000)
                let mode: PauseMode = try reader.choice("mode", default: .all)
                action = .redisClientPause(milliseconds: milliseconds, writesOnly: mode == .write)
            case "redis-maxclients": action = .redisMaxClients(try reader.int("count", in: 1...100_000))
            case "redis-password":
                guard let passwordNode = reader.node("password"), case .scalar = passwordNode, let password = passwordNode.string else {
                    throw reader.error("password", expected: "a text value (\"\" removes the password)", found: reader.node("password"))
                }
                if password.contains(where: { $0.isNewline || $0 == " " }) {
                    throw reader.error("password", expected: "a password without spaces or line breaks (\"\" removes it)", found: reader.node("password"))
                }
                action = .redisPassword(password, disconnect: try reader.bool("disconnect", default: true))
            case "redis-debug-sleep": action = .redisDebugSleep(milliseconds: try reader.int("ms", in: 1...60_000))
            case "redis-maxmemory": action = .redisMaxMemory(bytes: try reader.int("bytes", in: 0...(1 << 40)))
            case "foreign-write":
                action = .foreignWrite(try parseForeignWrite(&reader))
            case "rest-fault": action = try parseRESTFault(&reader)
            case "rest-fault-clear": action = .restFaultClear
            case _ where ClusterAction.allNames.contains(actionName): action = try parseClusterAction(actionName, &reader)
            case "invalidate": action = try parseInvalidate(&reader)
            default:
                throw reader.error("action", expected: "one of \(TimelineAction.allNames.joined(separator: ", "))", found: reader.node("action"))
            }
            let phase = try reader.string("phase")
            let fault = try reader.bool("fault", default: false)
            let target = try parseTarget(&reader, action: action)
            let node = try parseNodeSelector(&reader, action: action)
            try reader.finish()
            events.append(TimelineEvent(trigger: trigger, action: action, phase: phase, fault: fault, target: target, node: node))
        }
        return events
    }

    /// `target`: `all`, `{instance: N}` or `{share: S}`; only proxy actions take one.
    static func parseTarget(_ reader: inout MappingReader, action: TimelineAction) throws(ScenarioFileError) -> TimelineEvent.Target {
        guard let node = reader.node("target") else { return .all }
        guard action.isProxyAction else {
            throw reader.error("target", expected: "no target ('\(action.name)' acts on redis-server or every instance; only add-toxic, remove-toxic, disable-proxy and enable-proxy take one)", found: node)
        }
        if case .scalar(let scalar) = node, scalar.string == "all" { return .all }
        if case .scalar(let scalar) = node, scalar.string == "backplane" { return .backplane }
        let expected = "'all', 'backplane', {instance: N} or {share: 0…1}"
        guard case .mapping = node else { throw reader.error("target", expected: expected, found: node) }
        var targetReader = try MappingReader(node, file: reader.file, path: reader.fieldPath("target"))
        let target: TimelineEvent.Target
        switch (targetReader.has("instance"), targetReader.has("share")) {
        case (true, false): target = .instance(try targetReader.int("instance", in: 0...1023))
        case (false, true): target = .share(try targetReader.double("share", in: 0...1, excludingLowerBound: true))
        default: throw reader.error("target", expected: expected, found: node)
        }
        try targetReader.finish()
        return target
    }

    /// The fields of a `foreign-write` event: `content`, its own fields, and `keys`.
    static func parseForeignWrite(_ reader: inout MappingReader) throws(ScenarioFileError) -> ForeignWrite {
        let name = try reader.string("content", required: true) ?? ""
        let content: ForeignWrite.Content
        switch name {
        case "no-key": content = .noKey
        case "wrong-key": content = .wrongKey
        case "future-version": content = .futureVersion
        case "garbage": content = .garbage
        case "huge": content = .huge(bytes: try reader.int("bytes", in: 1...(64 << 20)))
        case "raw": content = .raw(try reader.string("value", required: true) ?? "")
        default:
            throw reader.error("content", expected: "one of \(ForeignWrite.Content.allNames.joined(separator: ", "))", found: reader.node("content"))
        }
        let keys: Int?
        if let node = reader.node("keys"), case .scalar(let scalar) = node, scalar.string == "all" {
            keys = nil
        } else {
            keys = reader.has("keys") ? try reader.int("keys", in: 1...1_000_000) : nil
        }
        return ForeignWrite(content: content, keys: keys)
    }

    /// A toxic exactly as the fault proxy knows it: the types and attributes come from ``ToxicKind``, so every
    /// toxic the proxy has can be used in a scenario file, and no other list can drift from it.
    static func parseToxic(_ node: Node, file: String, path: String) throws(ScenarioFileError) -> Toxic {
        var reader = try MappingReader(node, file: file, path: path)
        let typeNode = reader.node("type")
        guard let typeNode, case .scalar = typeNode, let type = typeNode.string,
              let allowedAttributes = ToxicKind.attributeNames(ofType: type),
              let blank = try? ToxicKind(typeName: type, attributes: [:]) else {
            throw ScenarioFileError(file: file, line: typeNode?.mark?.line ?? reader.line, field: "\(path).type",
                                    expected: "one of \(ToxicKind.typeNames.joined(separator: ", "))",
                                    found: typeNode.map(MappingReader.describe) ?? "nothing (the field is required)")
        }
        enum StreamChoice: String, CaseIterable { case downstream, upstream }
        let stream: StreamChoice = try reader.choice("stream", default: .downstream)
        let name = try reader.string("name")
        if let name, name.isEmpty {
            throw reader.error("name", expected: "a non-empty toxic name", found: reader.node("name"))
        }
        let toxicity = try reader.double("toxicity", default: 1, in: 0...1)
        var attributes: [String: Int] = [:]
        if let attributesNode = reader.node("attributes") {
            var attributeReader = try MappingReader(attributesNode, file: file, path: "\(path).attributes")
            for attribute in allowedAttributes where attributeReader.has(attribute) {
                attributes[attribute] = try attributeReader.int(attribute, in: 0...blank.maximum(of: attribute))
            }
            try attributeReader.finish(allowed: allowedAttributes.joined(separator: ", ") + " (for a \(type) toxic)")
        }
        try reader.finish()
        let kind: ToxicKind
        do {
            kind = try ToxicKind(typeName: type, attributes: attributes)
        } catch {
            throw ScenarioFileError(file: file, line: node.mark?.line, field: path, expected: "a valid toxic", found: "\(error)")
        }
        return Toxic(name: name, stream: stream == .upstream ? .upstream : .downstream, toxicity: toxicity, kind: kind)
    }

    static func parseExpectations(_ node: Node?, file: String) throws(ScenarioFileError) -> [Expectation] {
        guard let node else { return [] }
        guard case .sequence(let items) = node else {
            throw ScenarioFileError(file: file, line: node.mark?.line, field: "expectations", expected: "a list of expectations", found: MappingReader.describe(node))
        }
        var expectations: [Expectation] = []
        for (index, item) in items.enumerated() {
            let path = "expectations[\(index)]"
            var reader = try MappingReader(item, file: file, path: path)
            let metric: ScenarioMetric = try reader.choice("metric")
            let phase = try reader.string("phase")
            let given = ["max", "min", "equals"].filter { reader.has($0) }
            guard given.count == 1 else {
                throw ScenarioFileError(file: file, line: reader.line, field: "\(path).max",
                                        expected: "exactly one of 'max', 'min' or 'equals'",
                                        found: given.isEmpty ? "none" : given.joined(separator: " and "))
            }
            let comparison: Expectation.Comparison
            switch given[0] {
            case "equals":
                guard metric.isText else {
                    throw reader.error("equals", expected: "'max' or 'min' (\(metric.rawValue) is a number)", found: reader.node("equals"))
                }
                comparison = .equals(try reader.string("equals", required: true) ?? "")
            default:
                let key = given[0]
                guard !metric.isText else {
                    throw reader.error(key, expected: "'equals' (\(metric.rawValue) is text)", found: reader.node(key))
                }
                let threshold = try parseThreshold(reader.node(key), reader: reader, key: key)
                comparison = key == "max" ? .atMost(threshold) : .atLeast(threshold)
            }
            if phase != nil, !metric.isPhaseScopable {
                throw reader.error("phase", expected: "no phase (\(metric.rawValue) is measured over the whole run)", found: reader.node("phase"))
            }
            let instance = reader.has("instance") ? try reader.int("instance", in: 0...1023) : nil
            var ratio: Expectation.PhaseRatio?
            if let ratioNode = reader.node("ratio") {
                guard phase == nil else {
                    throw reader.error("ratio", expected: "either 'phase' or 'ratio', not both", found: ratioNode)
                }
                guard metric.isPhaseScopable, !metric.isText else {
                    throw reader.error("ratio", expected: "no ratio (\(metric.rawValue) cannot be compared between phases)", found: ratioNode)
                }
                var ratioReader = try MappingReader(ratioNode, file: file, path: "\(path).ratio")
                ratio = Expectation.PhaseRatio(
                    phase: try ratioReader.string("phase", required: true) ?? "",
                    to: try ratioReader.string("to", required: true) ?? "")
                try ratioReader.finish()
                for bound in ["max", "min"] where reader.has(bound) {
                    guard let node = reader.node(bound), MappingReader.number(node) != nil else {
                        throw reader.error(bound, expected: "a number (a ratio of two phases has no unit)", found: reader.node(bound))
                    }
                }
            }
            try reader.finish()
            expectations.append(Expectation(metric: metric, phase: phase, ratio: ratio, instance: instance, comparison: comparison))
        }
        return expectations
    }

    /// A number, `deadline`, or `deadline + N` (milliseconds over the scenario's KV deadline).
    static func parseThreshold(_ node: Node?, reader: MappingReader, key: String) throws(ScenarioFileError) -> Expectation.Threshold {
        let expected = "a number, 'deadline' or 'deadline + <ms>'"
        guard let node, case .scalar(let scalar) = node else { throw reader.error(key, expected: expected, found: node) }
        if let number = MappingReader.number(node) { return .value(number) }
        let text = scalar.string.replacingOccurrences(of: " ", with: "")
        if text == "deadline" { return .deadlinePlus(0) }
        if text.hasPrefix("deadline+"), let margin = Double(text.dropFirst("deadline+".count)), margin >= 0 {
            return .deadlinePlus(margin)
        }
        throw reader.error(key, expected: expected, found: node)
    }

    static func parseQuick(_ node: Node?, file: String) throws(ScenarioFileError) -> QuickScaling {
        guard let node else { return QuickScaling() }
        var reader = try MappingReader(node, file: file, path: "quick")
        let defaults = QuickScaling()
        let quick = QuickScaling(
            requestScale: try reader.double("requestScale", default: defaults.requestScale, in: 0...1, excludingLowerBound: true),
            timeScale: try reader.double("timeScale", default: defaults.timeScale, in: 0...1),
            latencyScale: try reader.double("latencyScale", default: defaults.latencyScale, in: 0...1, excludingLowerBound: true))
        try reader.finish()
        return quick
    }

    // MARK: - Cross-field checks

    static func validate(_ scenario: Scenario, root: Node) throws(ScenarioFileError) {
        let file = scenario.file
        func line(_ section: String, _ index: Int) -> Int? {
            guard case .sequence(let items)? = root[section], index < items.count else { return nil }
            return items[index].mark?.line
        }
        var phases: Set<String> = [scenario.initialPhase]
        var lastRequestTrigger = 0
        for (index, event) in scenario.timeline.enumerated() {
            if event.action.needsRedis, scenario.topology.backend == .none {
                throw ScenarioFileError(file: file, line: line("timeline", index), field: "timeline[\(index)].action",
                                        expected: "an action that needs no Redis (topology.backend is 'none')", found: "'\(event.action.name)'")
            }
            if event.action.needsRESTBridge, scenario.topology.backend != .rest {
                throw ScenarioFileError(file: file, line: line("timeline", index), field: "timeline[\(index)].action",
                                        expected: "'topology.backend: rest' for '\(event.action.name)' (it acts on the REST bridge)",
                                        found: "'\(event.action.name)' with backend '\(scenario.topology.backend.rawValue)'")
            }
            if case .afterRequests(let count) = event.trigger {
                guard count >= lastRequestTrigger else {
                    throw ScenarioFileError(file: file, line: line("timeline", index), field: "timeline[\(index)].afterRequests",
                                            expected: "a count ≥ the previous event's (\(lastRequestTrigger)); events run in file order",
                                            found: "\(count)")
                }
                lastRequestTrigger = count
            }
            if let phase = event.phase {
                guard phases.insert(phase).inserted else {
                    throw ScenarioFileError(file: file, line: line("timeline", index), field: "timeline[\(index)].phase",
                                            expected: "a phase name not used before", found: "'\(phase)'")
                }
            }
        }
        try validateBackplane(scenario, line: { line("timeline", $0) })
        for (index, event) in scenario.timeline.enumerated() where event.target != .all && event.target != .backplane {
            guard scenario.topology.proxies == .perInstance else {
                throw ScenarioFileError(file: file, line: line("timeline", index), field: "timeline[\(index)].target",
                                        expected: "'all', or 'topology.proxies: per-instance' so that instances have proxies of their own",
                                        found: "'\(event.target)'")
            }
        }
        for (index, expectation) in scenario.expectations.enumerated() {
            if let instance = expectation.instance {
                guard expectation.metric.isPerInstance else {
                    throw ScenarioFileError(file: file, line: line("expectations", index), field: "expectations[\(index)].instance",
                                            expected: "no instance (\(expectation.metric.rawValue) is not measured per instance)",
                                            found: "\(instance)")
                }
            }
            if let phase = expectation.phase, !phases.contains(phase) {
                throw ScenarioFileError(file: file, line: line("expectations", index), field: "expectations[\(index)].phase",
                                        expected: "one of the timeline's phases: \(phases.sorted().joined(separator: ", "))", found: "'\(phase)'")
            }
            if let ratio = expectation.ratio {
                for (key, phase) in [("phase", ratio.phase), ("to", ratio.to)] where !phases.contains(phase) {
                    throw ScenarioFileError(file: file, line: line("expectations", index), field: "expectations[\(index)].ratio.\(key)",
                                            expected: "one of the timeline's phases: \(phases.sorted().joined(separator: ", "))", found: "'\(phase)'")
                }
            }
            if expectation.metric.needsBaseline, scenario.baseline == nil {
                throw ScenarioFileError(file: file, line: line("expectations", index), field: "expectations[\(index)].metric",
                                        expected: "a metric that needs no baseline, or 'baseline: memory-only' at the top level",
                                        found: "'\(expectation.metric.rawValue)'")
            }
        }
        try validateCluster(scenario, line: line)
        if scenario.baseline != nil, scenario.topology.backend == .none {
            throw ScenarioFileError(file: file, field: "baseline", expected: "no baseline when topology.backend is 'none' (it is already memory-only)", found: "'memory-only'")
        }
    }
}
