import CacheCore
import CacheRedis
import PersistentCache
import FaultProxy
import Foundation
import Logging
import RedisServerSupport
import Synchronization

/// Runs one variant of a scenario (the configured backend, or the memory-only baseline): builds the
/// instances, drives the trace with the requested concurrency, applies the timeline, and measures.
///
/// Used from one task only; the requests it starts capture nothing of it but Sendable values.
final class VariantRunner {
    /// The Redis side of a run, shared by both variants' set-up code.
    struct RedisSide {
        let server: RedisServer
        let proxies: ProxyRegistry
        let proxyName: String
        let url: String
    }

    let scenario: Scenario
    let label: String
    let redis: RedisSide?
    let trace: RequestTrace
    let origin: OriginSimulator
    let oracle: AnswerOracle
    let logger: Logger
    let cacheLogger: Logger
    let progress: (@Sendable (ScenarioProgress) -> Void)?
    let namespace: String

    private var kvConfigured: Bool
    private var live: [CacheInstance] = []
    private var retired: [CacheInstance] = []
    private var servedByInstance: [Int: Int] = [:]
    private var nextInstanceID = 0
    private var phases: [(name: String, fault: Bool, start: Double)] = []
    private var events: [AppliedEvent] = []
    private var records: [RequestRecord] = []
    private var dispatched = 0
    private var roundRobin = 0
    private var hits = 0
    private var fallbacks = 0
    private var problems = 0
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant

    init(
        scenario: Scenario, label: String, redis: RedisSide?, trace: RequestTrace, namespace: String,
        logger: Logger, cacheLogger: Logger, progress: (@Sendable (ScenarioProgress) -> Void)?
    ) {
        self.scenario = scenario
        self.label = label
        self.redis = redis
        self.trace = trace
        self.namespace = namespace
        self.origin = OriginSimulator(specification: scenario.origin, seed: scenario.workload.seed)
        self.oracle = AnswerOracle(origin: origin)
        self.logger = logger
        self.cacheLogger = cacheLogger
        self.progress = progress
        self.kvConfigured = redis != nil
        self.start = clock.now
    }

    private var elapsedMilliseconds: Double { Self.milliseconds(clock.now - start) }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }

    // MARK: - Instances

    private var cacheConfiguration: CacheConfiguration {
        CacheConfiguration(
            namespace: namespace,
            kvDeadline: .milliseconds(scenario.kvDeadlineMilliseconds),
            defaultTTL: .seconds(scenario.workload.ttlSeconds),
            memory: MemoryTier.Limits(maximumEntries: scenario.topology.memoryMaximumEntries, maximumBytes: 256 << 20),
            // Scenario faults last seconds: a probe every 200 ms (±20 %), no backoff, so recovery is seen within
            // a second of the fault's end (issue 11's goal); the library default backs off to 30 s.
            circuitBreaker: CircuitBreakerPolicy(coolDown: .milliseconds(200), maximumCoolDown: .milliseconds(200)),
            softTimeout: scenario.topology.softTimeoutMilliseconds.map { .milliseconds($0) })
    }

    private var redisConfiguration: RedisStore.Configuration {
        var configuration = RedisStore.Configuration(connectionCount: scenario.topology.redisConnections)
        if let maximum = scenario.topology.reconnectBackoffMaximumMilliseconds {
            let initial = min(configuration.reconnectBackoffInitial, .milliseconds(maximum))
            configuration.reconnectBackoff = (initial, .milliseconds(maximum))
        }
        return configuration
    }

    /// The environment a new instance sees: `REDIS_URL` pointing at the fault proxy, or nothing at all.
    private var environment: [String: String] {
        guard kvConfigured, let redis else { return [:] }
        return ["REDIS_URL": redis.url]
    }

    private func makeInstance() -> CacheInstance {
        let cache = TieredCache.fromEnvironment(
            environment, configuration: cacheConfiguration, redisConfiguration: redisConfiguration, logger: cacheLogger)
        defer { nextInstanceID += 1 }
        return CacheInstance(id: nextInstanceID, cache: cache)
    }

    // MARK: - Running

    func run() async -> VariantResult {
        live = (0..<scenario.topology.instances).map { _ in makeInstance() }
        phases = [(scenario.initialPhase, false, 0)]
        let timeline = scenario.timeline
        var nextEvent = 0
        let concurrency = scenario.workload.concurrency
        let requestLimit = Self.requestTimeLimit(for: scenario, origin: origin)
        let interval = scenario.workload.ratePerSecond.map { 1000 / $0 }
        var nextDispatch = 0.0

        await withTaskGroup(of: RequestRecord.self) { group in
            var inFlight = 0
            for request in trace.requests {
                while nextEvent < timeline.count, isDue(timeline[nextEvent], beforeRequest: request.index) {
                    await apply(timeline[nextEvent], group: &group, inFlight: &inFlight)
                    nextEvent += 1
                }
                if inFlight >= concurrency, let record = await group.next() {
                    inFlight -= 1
                    collect(record)
                }
                if let interval {
                    // Open loop: keep the rate, but never burst to catch up after a pause or a slow phase.
                    let now = elapsedMilliseconds
                    nextDispatch = max(nextDispatch + interval, now)
                    if nextDispatch - now > 0.05 {
                        try? await Task.sleep(for: .microseconds(Int64((nextDispatch - now) * 1000)))
                    }
                }
                let instance = pickInstance(for: request)
                let served = servedByInstance[instance.id, default: 0]
                servedByInstance[instance.id] = served + 1
                let context = RequestContext(
                    request: request, instance: instance, phase: phases.count - 1, isColdStart: served == 0,
                    mode: instance.cache.mode, origin: origin, oracle: oracle, start: start,
                    ttl: .seconds(scenario.workload.ttlSeconds), limit: requestLimit)
                group.addTask { await context.execute() }
                inFlight += 1
                dispatched += 1
            }
            while nextEvent < timeline.count {
                if case .afterSeconds(let seconds) = timeline[nextEvent].trigger {
                    let wait = seconds * 1000 - elapsedMilliseconds
                    if wait > 0 { try? await Task.sleep(for: .milliseconds(Int(wait))) }
                }
                await apply(timeline[nextEvent], group: &group, inFlight: &inFlight)
                nextEvent += 1
            }
            while let record = await group.next() {
                inFlight -= 1
                collect(record)
            }
        }
        for instance in live + retired { await instance.cache.waitForBackgroundWrites() }
        let duration = elapsedMilliseconds / 1000
        let statistics = collectStatistics()
        for instance in live + retired { await instance.cache.shutdown() }
        return makeResult(statistics: statistics, durationSeconds: duration)
    }

    /// Generous: a request may take the KV deadline twice (lookup, write-back), the slowest origin call,
    /// and scheduling noise on a busy machine; past this it counts as failed.
    static func requestTimeLimit(for scenario: Scenario, origin: OriginSimulator) -> Duration {
        let worstOrigin = max(Self.upperBound(scenario.origin.kbLatency), Self.upperBound(scenario.origin.llmLatency))
            * origin.effectiveScale
        return .milliseconds(Int(Double(scenario.kvDeadlineMilliseconds) * 3 + worstOrigin + 10_000))
    }

    static func upperBound(_ distribution: LatencyDistribution) -> Double {
        switch distribution {
        case .fixed(let value): return value
        case .uniform(_, let maximum): return maximum
        case .logNormal(let median, let p99): return median * pow(p99 / median, 2.5)
        }
    }

    private func isDue(_ event: TimelineEvent, beforeRequest index: Int) -> Bool {
        switch event.trigger {
        case .afterRequests(let count): return index >= count
        case .afterSeconds(let seconds): return elapsedMilliseconds >= seconds * 1000
        }
    }

    private func pickInstance(for request: RequestTrace.Request) -> CacheInstance {
        switch scenario.topology.routing {
        case .random:
            return live[min(live.count - 1, Int(request.routingDraw * Double(live.count)))]
        case .roundRobin:
            defer { roundRobin += 1 }
            return live[roundRobin % live.count]
        }
    }

    private func collect(_ record: RequestRecord) {
        records.append(record)
        if record.isHit { hits += 1 }
        if record.kvError != nil { fallbacks += 1 }
        if record.outcome == .failed || record.wrongAnswer != nil { problems += 1 }
        if let progress, records.count % 16 == 0 || records.count == trace.requests.count {
            progress(ScenarioProgress(
                scenario: scenario.name, variant: label, phase: phases.last?.name ?? "", completed: records.count,
                total: trace.requests.count, hits: hits, fallbacks: fallbacks, problems: problems))
        }
    }

    // MARK: - Timeline

    private func apply(
        _ event: TimelineEvent, group: inout TaskGroup<RequestRecord>, inFlight: inout Int
    ) async {
        let startedAt = elapsedMilliseconds
        var failure: String?
        var description = event.action.description
        if event.action.needsRedis, redis == nil {
            description += " (skipped: no KV in this variant)"
        } else {
            do {
                try await perform(event.action, group: &group, inFlight: &inFlight)
            } catch {
                let message = "\(error)"
                logger.error("timeline event failed", metadata: ["event": "\(event.action)", "error": "\(message)"])
                failure = message
            }
        }
        if let phase = event.phase { phases.append((phase, event.fault, startedAt)) }
        events.append(AppliedEvent(
            atMilliseconds: startedAt, afterRequests: dispatched, description: description,
            durationMilliseconds: elapsedMilliseconds - startedAt, error: failure))
    }

    private func perform(
        _ action: TimelineAction, group: inout TaskGroup<RequestRecord>, inFlight: inout Int
    ) async throws {
        switch action {
        case .addToxic(let specification):
            guard let redis else { return }
            _ = try await redis.proxies.addToxic(try Self.toxic(specification), to: redis.proxyName)
        case .removeToxic(let name):
            guard let redis else { return }
            try await redis.proxies.removeToxic(named: name, from: redis.proxyName)
        case .disableProxy:
            guard let redis else { return }
            _ = try await redis.proxies.setEnabled(false, proxy: redis.proxyName)
        case .enableProxy:
            guard let redis else { return }
            _ = try await redis.proxies.setEnabled(true, proxy: redis.proxyName)
        case .redisStop:
            if let redis { await Self.stopCleanly(redis) }
        case .redisKill:
            await redis?.server.kill()
        case .redisRestart:
            guard let redis else { return }
            await Self.stopCleanly(redis)
            try await redis.server.restart()
        case .deploy:
            let count = live.count
            retired += live
            live = (0..<count).map { _ in makeInstance() }
        case .coldStart(let count):
            live += (0..<count).map { _ in makeInstance() }
        case .removeKVConfiguration:
            kvConfigured = false
            for instance in live { await instance.cache.replaceKVStore(nil) }
        case .restoreKVConfiguration:
            guard let redis else { return }
            kvConfigured = true
            let endpoint = try RedisEndpoint(url: redis.url)
            for instance in live {
                await instance.cache.replaceKVStore(RedisStore(endpoint: endpoint, configuration: redisConfiguration, logger: cacheLogger))
            }
        case .settle:
            while let record = await group.next() {
                inFlight -= 1
                collect(record)
            }
            for instance in live + retired { await instance.cache.waitForBackgroundWrites() }
        case .pause(let milliseconds, _):
            if milliseconds > 0 { try await Task.sleep(for: .milliseconds(milliseconds)) }
        case .mark:
            break
        case .originFail(let share):
            origin.fail(share: share)
        case .originSlow(let factor):
            origin.slow(factor: factor)
        case .originRestore:
            origin.restore()
        case .kbUpdate(let share):
            origin.updateKnowledgeBase(share: share)
        }
    }

    /// Stops redis-server the way an operator would: SIGTERM, on which it saves (persistence on) and exits.
    static func stopCleanly(_ redis: RedisSide) async {
        await redis.server.stop()
    }

    /// The proxy's toxic for a scenario file's description.
    static func toxic(_ specification: ToxicSpecification) throws -> Toxic {
        let attributes = specification.attributes
        func value(_ name: String) -> Int { attributes[name] ?? 0 }
        let kind: ToxicKind
        switch specification.type {
        case "latency": kind = .latency(latency: value("latency"), jitter: value("jitter"))
        case "bandwidth": kind = .bandwidth(rate: value("rate"))
        case "slow_close": kind = .slowClose(delay: value("delay"))
        case "timeout": kind = .timeout(timeout: value("timeout"))
        case "reset_peer": kind = .resetPeer(timeout: value("timeout"))
        case "slicer":
            kind = .slicer(averageSize: value("average_size"), sizeVariation: value("size_variation"), delay: value("delay"))
        case "limit_data": kind = .limitData(bytes: value("bytes"))
        default: throw ScenarioRunError("unknown toxic type '\(specification.type)'")
        }
        return Toxic(
            name: specification.name, stream: specification.stream == "upstream" ? .upstream : .downstream,
            toxicity: specification.toxicity, kind: kind)
    }

    // MARK: - Results

    private func collectStatistics() -> CacheStatisticsSummary {
        var summary = CacheStatisticsSummary()
        var weightedLatency = 0.0
        for instance in live + retired {
            let statistics = instance.cache.statistics()
            summary.lookups += statistics.lookups
            summary.kvHits += statistics.kvHits
            summary.memoryHits += statistics.memoryHits
            summary.misses += statistics.misses
            summary.fallbacks += statistics.fallbacks
            for (errorClass, count) in statistics.kvErrorsByClass { summary.kvErrorsByClass[errorClass, default: 0] += count }
            summary.kvOperations += statistics.kvLatency.count
            weightedLatency += statistics.kvLatency.mean * Double(statistics.kvLatency.count)
            summary.kvLatencyWorstP99Microseconds = max(summary.kvLatencyWorstP99Microseconds, statistics.kvLatency.p99)
            summary.kvLatencyMaxMicroseconds = max(summary.kvLatencyMaxMicroseconds, statistics.kvLatency.max)
            summary.backgroundWrites += statistics.backgroundWrites
            summary.backgroundWriteFailures += statistics.backgroundWriteFailures
            summary.backgroundWritesDropped += statistics.backgroundWritesDropped
            summary.writeBacks += statistics.writeBacks
            summary.malformedEntries += statistics.malformedEntries
        }
        summary.kvLatencyMeanMicroseconds = summary.kvOperations > 0 ? weightedLatency / Double(summary.kvOperations) : 0
        return summary
    }

    private func makeResult(statistics: CacheStatisticsSummary, durationSeconds: Double) -> VariantResult {
        let analyzer = MetricAnalyzer(records: records)
        let end = elapsedMilliseconds
        var phaseResults: [PhaseResult] = []
        for (index, phase) in phases.enumerated() {
            let phaseEnd = index + 1 < phases.count ? phases[index + 1].start : end
            phaseResults.append(PhaseResult(
                name: phase.name, fault: phase.fault, startMilliseconds: phase.start, endMilliseconds: phaseEnd,
                metrics: analyzer.metrics(since: phase.start) { $0.phase == index }))
        }
        let metrics = analyzer.metrics()
        let calls = origin.callCounts
        var problems = records.compactMap { record -> String? in
            if let failure = record.failure { return "request #\(record.index) failed: \(failure)" }
            if let wrong = record.wrongAnswer { return "request #\(record.index) wrong answer: \(wrong)" }
            return nil
        }
        if calls.kb + calls.llm != metrics.computed + metrics.failedRequests, calls.kb + calls.llm != metrics.computed {
            problems.append("origin counted \(calls.kb + calls.llm) calls but \(metrics.computed) requests were computed")
        }
        problems += events.compactMap { event in event.error.map { "event '\(event.description)' failed: \($0)" } }
        return VariantResult(
            label: label, metrics: metrics, phases: phaseResults, timeSeries: analyzer.timeSeries(),
            requestSlices: analyzer.requestSlices(),
            cacheStatistics: statistics, originKBCalls: calls.kb, originLLMCalls: calls.llm,
            instancesCreated: nextInstanceID, events: events, problemSamples: Array(problems.prefix(8)),
            durationSeconds: durationSeconds)
    }
}
