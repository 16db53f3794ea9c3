import CacheCore
import FaultProxy
import Foundation
import KVRestBridge
import Logging
import RedisServerSupport

/// Runs scenarios: starts a private redis-server and an in-process fault proxy in front of it, runs the
/// trace (and the memory-only baseline when the scenario asks for the comparison), judges the
/// expectations, and always cleans up what it started.
public struct ScenarioRunner: Sendable {
    /// How the runner runs.
    public struct Options: Sendable {
        /// Scale every scenario down (`--quick`).
        public var quick: Bool
        /// Replaces every scenario's seed (`--seed`).
        public var seed: UInt64?
        /// The harness's logger.
        public var logger: Logger
        /// The logger given to the caches under test (quiet by default: fault scenarios make thousands of
        /// KV errors on purpose).
        public var cacheLogger: Logger
        /// Receives progress snapshots while a scenario runs.
        public var progress: (@Sendable (ScenarioProgress) -> Void)?
        /// Where started processes are registered, so a signal handler can kill them.
        public var cleanup: ProcessCleanup

        /// Creates options.
        public init(
            quick: Bool = false, seed: UInt64? = nil, logger: Logger = Logger(label: "cache-scenarios"),
            cacheLogger: Logger? = nil, progress: (@Sendable (ScenarioProgress) -> Void)? = nil,
            cleanup: ProcessCleanup = ProcessCleanup()
        ) {
            self.quick = quick
            self.seed = seed
            self.logger = logger
            var quiet = cacheLogger ?? Logger(label: "cache")
            if cacheLogger == nil { quiet.logLevel = .error }
            self.cacheLogger = quiet
            self.progress = progress
            self.cleanup = cleanup
        }
    }

    /// The options.
    public let options: Options

    /// Creates a runner.
    public init(options: Options = Options()) { self.options = options }

    /// The cache namespace of a scenario's instances. Scenario names are free text and a namespace is not
    /// (see `CacheConfiguration.namespace`: an invalid one would make every instance memory-only), so other
    /// characters become `_`. Each scenario has its own redis-server, so names that map alike cannot collide.
    static func namespace(scenario name: String, seed: UInt64) -> String {
        let allowed = "_-.".unicodeScalars
        let scalars = "scn-\(name)-\(seed)".unicodeScalars.prefix(CacheConfiguration.maximumNamespaceBytes).map { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || allowed.contains(scalar)) ? scalar : "_"
        }
        return String(String.UnicodeScalarView(scalars))
    }

    /// Starts in the background what `scenario` needs that is slow to start and cheap to keep — a Redis Cluster's
    /// nodes —, for a later ``run(_:warmedUp:)`` of it; nil when it needs nothing of the kind. A suite calls it for
    /// the next scenario as one begins. Give it to that run, or ``ClusterWarmUp/discard()`` it.
    public func warmUp(_ scenario: Scenario) -> ClusterWarmUp? {
        scenario.topology.cluster.map { ClusterWarmUp(specification: $0, logger: options.logger, cleanup: options.cleanup) }
    }

    /// Runs one scenario, with what ``warmUp(_:)`` started for it when given (anything it started for another
    /// kind of scenario is stopped). Never throws: a set-up failure is a failed result that says why.
    public func run(_ original: Scenario, warmedUp: ClusterWarmUp? = nil) async -> ScenarioResult {
        let scenario = original.prepared(quick: options.quick, seed: options.seed)
        let clock = ContinuousClock()
        let started = clock.now
        let trace = RequestTrace(workload: scenario.workload)
        let namespace = Self.namespace(scenario: scenario.name, seed: scenario.workload.seed)
        var error: String?
        var primary: VariantResult?
        var baseline: VariantResult?

        var server: RedisServer?
        var proxies: ProxyRegistry?
        var admin: RedisAdminSession?
        var bridge: BridgeServer?
        var clusterSide: ClusterSide?
        do {
            var redisSide: VariantRunner.RedisSide?
            let warmNodes = await warmedUp?.take(for: scenario.topology.cluster)
            if let specification = scenario.topology.cluster {
                let registry = ProxyRegistry(seed: scenario.workload.seed, logger: options.logger)
                proxies = registry
                let started = try await ClusterSide.start(
                    specification, nodes: warmNodes, proxies: registry, cleanup: options.cleanup, logger: options.logger)
                clusterSide = started
                for server in started.cluster.servers { options.cleanup.register(server) }
            } else if scenario.needsRedis {
                // DEBUG is off by default since Redis 7; `local` allows it from loopback, where the harness is.
                let usesDebug = scenario.timeline.contains { if case .redisDebugSleep = $0.action { true } else { false } }
                let started = try await RedisServer.start(
                    options: RedisServer.Options(
                        persistence: scenario.topology.persistence,
                        extraArguments: usesDebug ? ["--enable-debug-command", "local"] : []),
                    logger: options.logger)
                server = started
                options.cleanup.register(started)
                let registry = ProxyRegistry(seed: scenario.workload.seed, logger: options.logger)
                proxies = registry
                var rest: (bridge: BridgeServer, token: String)?
                if scenario.topology.backend == .rest {
                    // In-process, straight to redis-server: the faults under test sit between the instances and
                    // the bridge (proxy toxics, BridgeFaults), and redis-server's own faults still reach it.
                    let token = "scenario-\(scenario.workload.seed)"
                    let started = try await BridgeServer.start(
                        configuration: BridgeConfiguration(
                            host: "127.0.0.1", port: 0, token: token,
                            redis: try RedisEndpoint(url: "redis://127.0.0.1:\(started.port)")),
                        // Quiet like the caches: redis-server faults make the bridge log every refused command.
                        logger: options.cacheLogger)
                    bridge = started
                    rest = (started, token)
                }
                let side = VariantRunner.RedisSide(
                    server: started, proxies: registry, admin: RedisAdminSession(port: started.port), sharedProxy: nil,
                    rest: rest)
                admin = side.admin
                var shared: VariantRunner.ProxyEndpoint?
                if scenario.topology.proxies == .shared {
                    let state = try await registry.createProxy(ProxyConfiguration(
                        name: "redis", listen: "127.0.0.1:0", upstream: "127.0.0.1:\(side.upstreamPort)"))
                    shared = VariantRunner.ProxyEndpoint(name: "redis", url: side.url(proxyPort: state.listenPort))
                }
                redisSide = VariantRunner.RedisSide(
                    server: started, proxies: registry, admin: side.admin, sharedProxy: shared, rest: rest)
            }
            let label = clusterSide != nil ? "kv-cluster" : redisSide == nil ? "memory-only" : (redisSide?.rest == nil ? "kv" : "kv-rest")
            primary = await VariantRunner(
                scenario: scenario, label: label, redis: redisSide, cluster: clusterSide, trace: trace,
                namespace: namespace, logger: options.logger, cacheLogger: options.cacheLogger,
                progress: options.progress
            ).run()
            if scenario.baseline == .memoryOnly {
                baseline = await VariantRunner(
                    scenario: scenario, label: "memory-only", redis: nil, trace: trace, namespace: namespace,
                    logger: options.logger, cacheLogger: options.cacheLogger, progress: options.progress
                ).run()
            }
        } catch let failure {
            error = "set-up failed: \(failure)"
            options.logger.error("scenario set-up failed", metadata: ["scenario": "\(scenario.name)", "error": "\(failure)"])
        }
        admin?.close()
        if let proxies { await proxies.shutdown() }
        await bridge?.shutdown()
        if let server { options.cleanup.release(server) }
        clusterSide?.cleanUp(options.cleanup)

        var outcomes: [ExpectationOutcome] = []
        if let primary {
            outcomes = ExpectationEvaluator.evaluate(scenario, primary: primary, baseline: baseline)
            let eventErrors = primary.events.compactMap(\.error) + (baseline?.events.compactMap(\.error) ?? [])
            if error == nil, !eventErrors.isEmpty {
                error = "timeline event failed: \(eventErrors.joined(separator: "; "))"
            }
        }
        let passed = error == nil && primary != nil && outcomes.allSatisfy(\.passed)
        return ScenarioResult(
            name: scenario.name, title: scenario.title, description: scenario.description, file: scenario.file,
            passed: passed, error: error, configuration: Self.configuration(of: scenario, quick: options.quick),
            kvDeadlineMilliseconds: scenario.kvDeadlineMilliseconds, latencyScale: scenario.origin.latencyScale,
            primary: primary, baseline: baseline, expectations: outcomes,
            durationSeconds: VariantRunner.milliseconds(clock.now - started) / 1000)
    }

    /// The configuration a reader needs to reproduce the run.
    static func configuration(of scenario: Scenario, quick: Bool) -> [String: String] {
        let workload = scenario.workload
        let topology = scenario.topology
        let origin = scenario.origin
        var configuration = [
            "file": scenario.file,
            "quick": quick ? "yes" : "no",
            "seed": String(workload.seed),
            "kvDeadlineMs": String(scenario.kvDeadlineMilliseconds),
            "instances": String(topology.instances),
            "backend": topology.backend.rawValue,
            "readStrategy": topology.readStrategy.rawValue,
            "persistence": topology.persistence ? "on" : "off",
            "redisConnections": String(topology.redisConnections),
            "routing": topology.routing.rawValue,
            "proxies": topology.proxies.rawValue,
            "circuitBreaker": topology.circuitBreaker
                ? "default" + (topology.breakerAuthCoolDownMilliseconds.map { ", auth cool-down \($0) ms" } ?? "") : "off",
            "questions": String(workload.questions),
            "zipfExponent": ScenarioMetric.format(workload.zipfExponent),
            "requests": String(workload.requests),
            "concurrency": String(workload.concurrency),
            "kbShare": ScenarioMetric.format(origin.kbShare),
            "kbLatency": origin.kbLatency.description,
            "llmLatency": origin.llmLatency.description,
            "latencyScale": ScenarioMetric.format(origin.latencyScale),
            "baseline": scenario.baseline?.rawValue ?? "none",
            "timeline": scenario.timeline.map { "\($0.trigger): \($0.action)" }.joined(separator: "; "),
        ]
        if let cluster = topology.cluster {
            configuration["cluster"] = "\(cluster.primaries) primaries × \(cluster.replicasPerPrimary) replicas, "
                + "cluster-node-timeout \(cluster.nodeTimeoutMilliseconds) ms"
        }
        return configuration
    }
}
