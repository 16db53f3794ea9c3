import CacheCore
import CacheVercelKV
import KVRestBridge
import Logging
import NIOCore
import RedisServerSupport

/// The REST tier's cases: `VercelKVStore` through `kv-rest-bridge` to the same redis-server the Redis
/// cases use, with and without automatic pipelining, and the bridge alone under `wrk` beside a bare
/// endpoint of the same HTTP stack.
struct RESTBenchmarks {
    let bridge: BridgeServer
    let bare: any Channel
    let pipelined: VercelKVStore
    let unpipelined: VercelKVStore
    let key: String
    let token = "bench-token"

    static func start(redisPort: Int, key: String, valueBytes: Int, logger: Logger) async throws -> RESTBenchmarks {
        let configuration = BridgeConfiguration(
            port: 0, token: "bench-token", redis: RedisEndpoint(address: .tcp(host: "127.0.0.1", port: redisPort)))
        let bridge = try await BridgeServer.start(configuration: configuration, logger: logger)
        // The bare endpoint answers what the bridge answers for this GET: {"result":"<value>"}.
        let body = Array(#"{"result":""#.utf8) + [UInt8](repeating: UInt8(ascii: "v"), count: valueBytes) + Array(#""}"#.utf8)
        let bare = try await BareHTTPServer.start(body: body)
        let endpoint = try RESTEndpoint(url: bridge.url, token: "bench-token")
        let pipelined = VercelKVStore(endpoint: endpoint, logger: logger)
        let unpipelined = VercelKVStore(
            endpoint: endpoint,
            configuration: .init(automaticPipelining: false, maximumConcurrentRequests: 64),
            logger: logger)
        return RESTBenchmarks(bridge: bridge, bare: bare, pipelined: pipelined, unpipelined: unpipelined, key: key)
    }

    /// One round of every REST case.
    /// With `operations`, the `rest.get` cases stop after that many calls (for CPU time per call).
    func runRound(concurrency: Int, duration: Duration, operations: Int?, recorder: BenchmarkRecorder) async throws {
        let key = self.key
        let pipelined = self.pipelined
        let unpipelined = self.unpipelined
        try await recorder.run("rest.get.c1") {
            try await ConcurrentCaseRunner.run(name: "rest.get.c1", concurrency: 1, duration: duration, operations: operations) {
                guard try await pipelined.get(key, deadline: .now + .seconds(2)) != nil else { throw BenchFailure.miss }
            }
        }
        try await recorder.run("rest.get.c\(concurrency)") {
            let before = pipelined.requestStatistics
            defer {
                let batches = pipelined.requestStatistics.since(before)
                print("  rest.get.c\(concurrency): \(batches.requests) requests, \((batches.commandsPerRequest * 10).rounded() / 10) commands per request")
            }
            return try await ConcurrentCaseRunner.run(name: "rest.get.c\(concurrency)", concurrency: concurrency, duration: duration, operations: operations) {
                guard try await pipelined.get(key, deadline: .now + .seconds(2)) != nil else { throw BenchFailure.miss }
            }
        }
        try await recorder.run("rest.get.c\(concurrency).nopipe") {
            try await ConcurrentCaseRunner.run(name: "rest.get.c\(concurrency).nopipe", concurrency: concurrency, duration: duration, operations: operations) {
                guard try await unpipelined.get(key, deadline: .now + .seconds(2)) != nil else { throw BenchFailure.miss }
            }
        }
        guard recorder.wants("wrk") else { return }
        guard RedisServer.findExecutable("wrk") != nil else {
            print("  skipped the wrk cases: wrk not found (apt-get install -y wrk, or run scripts/bench.sh)")
            return
        }
        let bridgeURL = bridge.url + "/get/" + key
        let bareURL = "http://127.0.0.1:\(bare.localAddress?.port ?? 0)/get/" + key
        let headers = ["Authorization: Bearer \(token)"]
        let bridgeName = "wrk.bridge.get.c\(concurrency)"
        let bareName = "wrk.bare.c\(concurrency)"
        try await recorder.run(bridgeName) {
            try await DedicatedThread.run {
                try WrkLoad.run(name: bridgeName, url: bridgeURL, headers: headers, connections: concurrency, duration: duration)
            }
        }
        try await recorder.run(bareName) {
            try await DedicatedThread.run {
                try WrkLoad.run(name: bareName, url: bareURL, headers: headers, connections: concurrency, duration: duration)
            }
        }
    }

    func shutdown() async {
        await pipelined.shutdown()
        await unpipelined.shutdown()
        await bridge.shutdown()
        try? await bare.close()
    }
}

/// A benchmark read that did not find its value.
enum BenchFailure: Error {
    case miss
}
