import CacheCore
import CacheRedis
import PersistentCache
import FaultProxy
import Foundation
import KVRestBridge
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
        /// The harness's own kept connection to redis-server, for server-side faults and foreign writes.
        let admin: RedisAdminSession
        /// The one proxy every instance goes through, or `nil` when each instance slot has its own (made on demand).
        let sharedProxy: ProxyEndpoint?
        /// With `topology.backend: rest`, the Upstash-compatible bridge in front of redis-server (the proxies sit
        /// between the instances and it) and the token the instances present.
        let rest: (bridge: BridgeServer, token: String)?

        /// The port the fault proxies forward to: the bridge's with REST, redis-server's otherwise.
        var upstreamPort: Int { rest?.bridge.port ?? server.port }

        /// The URL an instance uses to reach a proxy listening on `port`.
        func url(proxyPort port: Int) -> String {
            rest == nil ? "redis://127.0.0.1:\(port)" : "http://127.0.0.1:\(port)"
        }

        /// The environment an instance reads through `TieredCache.fromEnvironment` for a proxy URL.
        func environment(proxyURL url: String) -> [String: String] {
            if let rest { return ["KV_REST_API_URL": url, "KV_REST_API_TOKEN": rest.token] }
            return ["REDIS_URL": url]
        }
    }

    /// A fault proxy in front of redis-server, and the URL the instances behind it are given.
    struct ProxyEndpoint {
        let name: String
        let url: String
    }

    let scenario: Scenario
    let label: String
    let redis: RedisSide?
    /// With `topology.backend: redis-cluster`, the cluster and its node proxies (`redis` is nil then).
    let cluster: ClusterSide?
    let trace: RequestTrace
    let origin: OriginSimulator
    let oracle: AnswerOracle
    let logger: Logger
    let cacheLogger: Logger
    let progress: (@Sendable (ScenarioProgress) -> Void)?
    let namespace: String

    var kvConfigured: Bool
    /// The password redis-server asks for now (a `redis-password` event changes it; a restart clears it).
    var redisPassword: String?
    /// Timeline work still running in the background (a `DEBUG SLEEP` waiting for its reply); each returns an error.
    var backgroundActions: [Task<String?, Never>] = []
    private var foreignWriteCount = 0
    var live: [CacheInstance] = []
    private var retired: [CacheInstance] = []
    private var servedByInstance: [Int: Int] = [:]
    private var nextInstanceID = 0
    private var nextSlot = 0
    private var slotOfInstance: [Int: Int] = [:]
    private var proxyBySlot: [Int: ProxyEndpoint] = [:]
    private var phases: [(name: String, fault: Bool, start: Double)] = []
    /// The counters read as each phase started (same order as `phases`).
    private var phaseCounters: [RunCounters] = []
    var events: [AppliedEvent] = []
    var records: [RequestRecord] = []
    /// The cluster actions started and the node counters read at the run's start (cluster runs only).
    var clusterRun = ClusterRunState()
    private var dispatched = 0
    private var roundRobin = 0
    private var hits = 0
    private var fallbacks = 0
    private var problems = 0
    private let clock = ContinuousClock()
    let start: ContinuousClock.Instant
    /// With memory-first over Redis: the proxy every instance's backplane subscriber goes through (`target: backplane`).
    var backplaneProxy: ProxyEndpoint?
    /// The staleness windows after `invalidate` events.
    let staleness = StalenessTracker()
    private let circuitWatcher: CircuitWatcher
    /// The requests still looking up, which a fault lets finish before it goes in.
    private let pendingLookups = PendingLookups()

    init(
        scenario: Scenario, label: String, redis: RedisSide?, cluster: ClusterSide? = nil, trace: RequestTrace,
        namespace: String, logger: Logger, cacheLogger: Logger, progress: (@Sendable (ScenarioProgress) -> Void)?
    ) {
        self.cluster = cluster
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
        self.kvConfigured = redis != nil || cluster != nil
        self.start = clock.now
        self.circuitWatcher = CircuitWatcher(start: start)
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
            circuitBreaker: breakerPolicy,
            softTimeout: scenario.topology.softTimeoutMilliseconds.map { .milliseconds($0) })
            .withReadStrategy(of: scenario.topology)
    }

    /// The library's default breaker, unless the scenario turns it off or sets the authentication cool-down.
    private var breakerPolicy: CircuitBreakerPolicy {
        guard scenario.topology.circuitBreaker else { return .disabled }
        var policy = CircuitBreakerPolicy()
        if let milliseconds = scenario.topology.breakerAuthCoolDownMilliseconds {
            policy.authenticationCoolDown = .milliseconds(milliseconds)
        }
        return policy
    }

    var redisConfiguration: RedisStore.Configuration {
        var configuration = RedisStore.Configuration(connectionCount: scenario.topology.redisConnections)
        if let maximum = scenario.topology.reconnectBackoffMaximumMilliseconds {
            let initial = min(configuration.reconnectBackoffInitial, .milliseconds(maximum))
            configuration.reconnectBackoff = (initial, .milliseconds(maximum))
        }
        configuration.subscriberEndpoint = backplaneProxy.flatMap { try? RedisEndpoint(url: $0.url) }
        return configuration
    }

    /// The proxy of an instance slot: the shared one, or the slot's own, created the first time it is needed.
    private func endpoint(forSlot slot: Int) async throws -> ProxyEndpoint? {
        guard let redis else { return nil }
        if let shared = redis.sharedProxy { return shared }
        if let known = proxyBySlot[slot] { return known }
        let state = try await redis.proxies.createProxy(ProxyConfiguration(
            name: "instance-\(slot)", listen: "127.0.0.1:0", upstream: "127.0.0.1:\(redis.upstreamPort)"))
        let endpoint = ProxyEndpoint(name: state.name, url: redis.url(proxyPort: state.listenPort))
        proxyBySlot[slot] = endpoint
        return endpoint
    }

    /// Every proxy made so far.
    private var allProxyNames: [String] {
        if let shared = redis?.sharedProxy { return [shared.name] }
        return proxyBySlot.keys.sorted().compactMap { proxyBySlot[$0]?.name }
    }

    /// A new instance in `slot` (a new slot when nil): its environment names the slot's proxy, or nothing at all
    /// when the KV configuration is removed.
    private func makeInstance(slot: Int? = nil) async throws -> CacheInstance {
        let slot = slot ?? nextSlot
        nextSlot = max(nextSlot, slot + 1)
        var environment: [String: String] = [:]
        if kvConfigured, let redis, let endpoint = try await endpoint(forSlot: slot) {
            environment = redis.environment(proxyURL: endpoint.url)
        } else if kvConfigured, let cluster {
            environment = cluster.environment(forSlot: slot)
        }
        let cache = TieredCache.fromEnvironment(
            environment, configuration: cacheConfiguration, redisConfiguration: redisConfiguration, logger: cacheLogger)
        defer { nextInstanceID += 1 }
        slotOfInstance[nextInstanceID] = slot
        circuitWatcher.watch(instance: nextInstanceID, cache: cache)
        return CacheInstance(id: nextInstanceID, slot: slot, cache: cache)
    }

    /// The proxies an event's target reaches.
    private func proxyNames(for target: TimelineEvent.Target) async throws -> [String] {
        guard let redis else { return [] }
        if target == .backplane {
            guard let backplaneProxy else { throw ScenarioRunError("target backplane: no backplane proxy in this variant") }
            return [backplaneProxy.name]
        }
        if let shared = redis.sharedProxy { return [shared.name] }
        let slots = Set(live.map(\.slot)).sorted()
        let chosen: [Int]
        switch target {
        case .all:
            chosen = slots
        case .instance(let slot):
            guard slot < nextSlot else {
                throw ScenarioRunError("no instance \(slot): slots 0…\(nextSlot - 1) exist at this point")
            }
            chosen = [slot]
        case .share(let share):
            chosen = Array(slots.prefix(max(1, Int((share * Double(slots.count)).rounded(.up)))))
        case .backplane:
            chosen = []
        }
        var names: [String] = []
        for slot in chosen {
            if let endpoint = try await endpoint(forSlot: slot) { names.append(endpoint.name) }
        }
        return names
    }

    // MARK: - Running

    func run() async -> VariantResult {
        phases = [(scenario.initialPhase, false, 0)]
        // Before the instances connect, so the per-node table counts their first connections.
        if cluster != nil { await beginCluster() }
        do {
            backplaneProxy = try await makeBackplaneProxy()
            for _ in 0..<scenario.topology.instances { live.append(try await makeInstance()) }
        } catch {
            events.append(AppliedEvent(
                atMilliseconds: 0, afterRequests: 0, description: "start the instances", durationMilliseconds: 0,
                error: "\(error)"))
        }
        guard !live.isEmpty else {
            return makeResult(statistics: CacheStatisticsSummary(), endCounters: RunCounters(), durationSeconds: 0)
        }
        phaseCounters = [await readCounters()]
        let watcher = circuitWatcher
        let watching = Task { await watcher.run() }
        defer { watching.cancel() }
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
                    ttl: .seconds(scenario.workload.ttlSeconds), limit: requestLimit, staleness: staleness,
                    kvDeadlineMilliseconds: Double(scenario.kvDeadlineMilliseconds), lookup: pendingLookups.begin())
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
        circuitWatcher.poll()
        for action in backgroundActions {
            if let failure = await action.value {
                events.append(AppliedEvent(
                    atMilliseconds: elapsedMilliseconds, afterRequests: dispatched, description: "background timeline work",
                    durationMilliseconds: 0, error: failure))
            }
        }
        let duration = elapsedMilliseconds / 1000
        let statistics = collectStatistics()
        let endCounters = await readCounters()
        for instance in live + retired { await instance.cache.shutdown() }
        var result = makeResult(statistics: statistics, endCounters: endCounters, durationSeconds: duration)
        if cluster != nil { await finishCluster(&result) }
        return result
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
        // A fault meets the requests sent after it: those sent before finish their lookups first.
        if event.fault { await pendingLookups.settle(within: .milliseconds(25)) }
        let startedAt = elapsedMilliseconds
        var failure: String?
        var description = event.action.description + (event.target == .all ? "" : " on \(event.target)")
        let counters = event.phase == nil ? nil : await readCounters()
        if let node = event.node { description += " on node \(node)" }
        if event.action.needsRedis, redis == nil, cluster == nil {
            description += " (skipped: no KV in this variant)"
        } else {
            do {
                // Proxy and cluster actions of a cluster run act on the node proxies and the cluster.
                if try await !performOnCluster(event) {
                    try await perform(event.action, target: event.target, group: &group, inFlight: &inFlight)
                }
            } catch {
                let message = "\(error)"
                logger.error("timeline event failed", metadata: ["event": "\(event.action)", "error": "\(message)"])
                failure = message
            }
        }
        if let phase = event.phase, let counters {
            phases.append((phase, event.fault, startedAt))
            phaseCounters.append(counters)
        }
        events.append(AppliedEvent(
            atMilliseconds: startedAt, afterRequests: dispatched, description: description,
            durationMilliseconds: elapsedMilliseconds - startedAt, error: failure))
    }

    private func perform(
        _ action: TimelineAction, target: TimelineEvent.Target, group: inout TaskGroup<RequestRecord>, inFlight: inout Int
    ) async throws {
        switch action {
        case .addToxic(let specification):
            guard let redis else { return }
            for proxy in try await proxyNames(for: target) { _ = try await redis.proxies.addToxic(specification, to: proxy) }
        case .removeToxic(let name):
            guard let redis else { return }
            // Removed wherever it is among the targeted proxies (a cold-started instance's proxy never had it).
            var removed = 0
            for proxy in try await proxyNames(for: target) where (try? await redis.proxies.toxic(named: name, of: proxy)) != nil {
                try await redis.proxies.removeToxic(named: name, from: proxy)
                removed += 1
            }
            guard removed > 0 else { throw ScenarioRunError("no targeted proxy has a toxic named '\(name)'") }
        case .disableProxy:
            guard let redis else { return }
            for proxy in try await proxyNames(for: target) { _ = try await redis.proxies.setEnabled(false, proxy: proxy) }
        case .enableProxy:
            guard let redis else { return }
            for proxy in try await proxyNames(for: target) { _ = try await redis.proxies.setEnabled(true, proxy: proxy) }
        case .redisStop:
            if let redis { await Self.stopCleanly(redis) }
        case .redisKill:
            await redis?.server.kill()
        case .redisRestart:
            guard let redis else { return }
            await Self.stopCleanly(redis)
            try await redis.server.restart()
            // A new process: the configuration changed at run time (password, limits) is gone with the old one.
            redisPassword = nil
        case .deploy:
            let slots = live.map(\.slot)
            retired += live
            live = []
            for slot in slots { live.append(try await makeInstance(slot: slot)) }
        case .coldStart(let count):
            for _ in 0..<count { live.append(try await makeInstance()) }
        case .removeKVConfiguration:
            kvConfigured = false
            for instance in live { await instance.cache.replaceKVStore(nil) }
        case .restoreKVConfiguration:
            guard let redis else { return }
            kvConfigured = true
            for instance in live {
                guard let proxy = try await self.endpoint(forSlot: instance.slot) else { continue }
                // The same selection rule as a new instance's, so a REST scenario gets its REST tier back.
                let selection = KVBackendSelection.detect(in: redis.environment(proxyURL: proxy.url))
                await instance.cache.replaceKVStore(KVStoreFactory.makeStore(
                    for: selection, redisConfiguration: redisConfiguration, logger: cacheLogger))
            }
        case .restFault(let fault, let share):
            guard let rest = redis?.rest else { throw ScenarioRunError("rest-fault needs topology.backend: rest") }
            rest.bridge.faults.set(fault, share: share)
        case .restFaultClear:
            guard let rest = redis?.rest else { throw ScenarioRunError("rest-fault-clear needs topology.backend: rest") }
            rest.bridge.faults.set(nil)
        case .cluster(let action):
            throw ScenarioRunError("\(action.name) needs topology.backend: redis-cluster")
        case .invalidate(let pattern, let slot, let kbUpdate):
            guard let instance = live.first(where: { $0.slot == slot }) else { throw ScenarioRunError("no live instance in slot \(slot)") }
            // Recorded before the knowledge base changes: a request completing in between already finds it.
            staleness.begin(
                pattern: pattern, updatesBefore: origin.updateCount + (kbUpdate == nil ? 0 : 1), invalidator: instance.id,
                instances: live.map(\.id), startMilliseconds: elapsedMilliseconds)
            if let kbUpdate { origin.updateKnowledgeBase(share: kbUpdate) }
            _ = await instance.cache.invalidate(pattern)
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
        case .foreignWrite(let write):
            guard let redis else { return }
            foreignWriteCount += 1
            let writer = ForeignWriter(session: redis.admin, password: redisPassword, seed: scenario.workload.seed)
            let written = try await writer.perform(write, occurrence: foreignWriteCount)
            logger.info("foreign write", metadata: ["keys": "\(written)", "content": "\(write.content.name)"])
        case .redisFreeze, .redisThaw, .redisClientPause, .redisMaxClients, .redisPassword, .redisDebugSleep,
             .redisMaxMemory:
            _ = try await performServerFault(action)
        }
    }

    /// Stops redis-server the way an operator would: SIGTERM, on which it saves (persistence on) and exits.
    static func stopCleanly(_ redis: RedisSide) async {
        await redis.server.stop()
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

    /// Reads the counters that are not in the request records: the caches' statistics, the proxy's accepted
    /// connections, and CPU time.
    private func readCounters() async -> RunCounters {
        var counters = RunCounters()
        for instance in live + retired {
            let statistics = instance.cache.statistics()
            counters.protocolErrors += statistics.kvErrorsByClass["protocol", default: 0]
            counters.malformedEntries += statistics.malformedEntries
            counters.backgroundWritesLost += statistics.backgroundWriteFailures + statistics.backgroundWritesDropped
            counters.kvErrors += statistics.kvErrorsByClass.filter { $0.key != "not_configured" }.values.reduce(0, +)
            counters.writesQueued += statistics.pendingWritesQueued
            counters.writesReplayed += statistics.pendingWritesReplayed
            counters.writesDropped += statistics.pendingWritesDropped
        }
        if let redis {
            for proxy in allProxyNames {
                counters.acceptedConnections += (try? await redis.proxies.acceptedConnectionCount(of: proxy)) ?? 0
            }
            if let pid = redis.server.processIdentifier,
               let seconds = try? await DedicatedThread.run({ RunCounters.cpuSeconds(ofProcess: pid) }) {
                counters.redisCPU = (pid, seconds)
            }
        }
        if let cluster { counters.acceptedConnections += await cluster.acceptedConnections() }
        counters.runnerCPUSeconds = RunCounters.processCPUSeconds()
        return counters
    }

    private func makeResult(statistics: CacheStatisticsSummary, endCounters: RunCounters, durationSeconds: Double) -> VariantResult {
        let analyzer = MetricAnalyzer(records: records, ttlMilliseconds: Double(scenario.workload.ttlSeconds) * 1000)
        let end = elapsedMilliseconds
        var phaseResults: [PhaseResult] = []
        for (index, phase) in phases.enumerated() {
            let phaseEnd = index + 1 < phases.count ? phases[index + 1].start : end
            var phaseMetrics = analyzer.metrics(since: phase.start) { $0.phase == index }
            phaseMetrics.firstKVHitAfterMilliseconds = analyzer.firstKVHit(after: phase.start)
            let closing = index + 1 < phaseCounters.count ? phaseCounters[index + 1] : endCounters
            closing.difference(since: phaseCounters[index], milliseconds: phaseEnd - phase.start, into: &phaseMetrics)
            phaseResults.append(PhaseResult(
                name: phase.name, fault: phase.fault, startMilliseconds: phase.start, endMilliseconds: phaseEnd,
                metrics: phaseMetrics))
        }
        var instanceResults: [InstanceResult] = []
        for slot in 0..<nextSlot {
            func inSlot(_ record: RequestRecord) -> Bool { slotOfInstance[record.instance] == slot }
            let slotPhases = phases.enumerated().map { index, phase in
                var slotMetrics = analyzer.metrics(since: phase.start) { $0.phase == index && inSlot($0) }
                slotMetrics.firstKVHitAfterMilliseconds = analyzer.firstKVHit(after: phase.start, where: inSlot)
                return PhaseResult(
                    name: phase.name, fault: phase.fault, startMilliseconds: phase.start,
                    endMilliseconds: index + 1 < phases.count ? phases[index + 1].start : end,
                    metrics: slotMetrics)
            }
            instanceResults.append(InstanceResult(
                slot: slot, proxy: proxyBySlot[slot]?.name ?? redis?.sharedProxy?.name ?? "none",
                metrics: analyzer.metrics(where: inSlot), phases: slotPhases))
        }
        var metrics = analyzer.metrics()
        endCounters.difference(since: phaseCounters[0], milliseconds: end, into: &metrics)
        if !staleness.isEmpty {
            metrics.stalenessWindowsMilliseconds = staleness.windows
            metrics.invalidatedAnswers = Double(staleness.staleAnswers)
        }
        let calls = origin.callCounts
        var problems = records.compactMap { record -> String? in
            if let failure = record.failure { return "request #\(record.index) failed: \(failure)" }
            if let wrong = record.wrongAnswer { return "request #\(record.index) wrong answer: \(wrong)" }
            return nil
        }
        // Requests whose own compute called the origin, against the origin's count. A request that failed or
        // answered stale may have left a call behind it (still running, or failed), so those may add calls.
        let originCalls = calls.kb + calls.llm
        if originCalls < metrics.originCalls || originCalls > metrics.originCalls + metrics.failedRequests + metrics.staleAnswers {
            problems.append("origin counted \(originCalls) calls but \(metrics.originCalls) requests called it")
        }
        problems += events.compactMap { event in event.error.map { "event '\(event.description)' failed: \($0)" } }
        var result = VariantResult(
            label: label, metrics: metrics, phases: phaseResults, timeSeries: analyzer.timeSeries(),
            requestSlices: analyzer.requestSlices(),
            cacheStatistics: statistics, originKBCalls: calls.kb, originLLMCalls: calls.llm,
            instancesCreated: nextInstanceID, events: events, problemSamples: Array(problems.prefix(8)),
            durationSeconds: durationSeconds, instances: instanceResults)
        result.circuitTransitions = circuitWatcher.transitions
        return result
    }
}
