import CHiredis
import Foundation
import Histogram

/// The reference point for one caller: hiredis's own blocking API in a tight GET loop on a dedicated thread,
/// with no Swift concurrency in the way.
enum HiredisBaseline {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs GET `key` against 127.0.0.1:`port` for `duration` and returns the measurement.
    static func run(name: String, port: Int, key: String, duration: Duration) async throws -> BenchmarkResult {
        let outcome: Result<BenchmarkResult, Failure> = await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: measure(name: name, port: port, key: key, duration: duration))
            }
            thread.name = "hiredis-baseline"
            thread.start()
        }
        return try outcome.get()
    }

    private static func measure(name: String, port: Int, key: String, duration: Duration) -> Result<BenchmarkResult, Failure> {
        guard let context = redisConnect("127.0.0.1", Int32(port)) else {
            return .failure(Failure(description: "hiredis could not allocate a context"))
        }
        defer { redisFree(context) }
        guard context.pointee.err == 0 else {
            return .failure(Failure(description: "hiredis connect failed: \(context.errorText)"))
        }
        let arguments = ["GET", key]
        let lengths = arguments.map { $0.utf8.count }
        let cStrings = arguments.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        var argv: [UnsafePointer<CChar>?] = cStrings.map { UnsafePointer($0) }

        var latencies = makeLatencyHistogram()
        var operations = 0
        let clock = ContinuousClock()
        let started = clock.now
        let end = started + duration
        while true {
            let before = clock.now
            if before >= end { break }
            guard let reply = redisCommandArgv(context, Int32(argv.count), &argv, lengths) else {
                return .failure(Failure(description: "GET failed: \(context.errorText)"))
            }
            let type = reply.assumingMemoryBound(to: redisReply.self).pointee.type
            freeReplyObject(reply)
            guard type == REDIS_REPLY_STRING else {
                return .failure(Failure(description: "GET answered reply type \(type), expected a string"))
            }
            _ = latencies.record((clock.now - before).nanoseconds)
            operations += 1
        }
        return .success(BenchmarkResult(name: name, operations: operations, elapsed: clock.now - started, latencies: latencies))
    }
}

extension UnsafeMutablePointer where Pointee == redisContext {
    /// hiredis's `errstr` (a C array imported as a tuple) as a `String`.
    var errorText: String {
        withUnsafeBytes(of: pointee.errstr) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
    }
}
