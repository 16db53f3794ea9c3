import Foundation
import Testing

/// Installs the `upstash-redis` Python SDK from PyPI once per test run (into `.build/upstash-sdk`), or
/// reports why it could not.
actor UpstashSDKInstall {
    static let shared = UpstashSDKInstall()

    /// Where the SDK is installed (`pip install --target`): `.build/upstash-sdk` of this package.
    nonisolated let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/upstash-sdk")

    private var outcome: Bool?

    /// Whether the SDK is importable, installing it first when needed.
    func ready() async -> Bool {
        if let outcome { return outcome }
        let check = await run([python, "-c", "import upstash_redis"], pythonPath: directory.path)
        if check == 0 {
            outcome = true
            return true
        }
        let install = [
            python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--timeout", "20",
            "--target", directory.path, "upstash-redis",
        ]
        // A Debian system Python refuses installs (PEP 668) unless told that a private --target is fine.
        var installed = await run(install, pythonPath: nil) == 0
        if !installed { installed = await run(install + ["--break-system-packages"], pythonPath: nil) == 0 }
        let importable = installed ? await run([python, "-c", "import upstash_redis"], pythonPath: directory.path) == 0 : false
        outcome = importable
        return outcome!
    }

    /// The `python3` on the PATH (run through `/usr/bin/env`).
    nonisolated let python = "python3"

    private func run(_ arguments: [String], pythonPath: String?) async -> Int32 {
        var environment = ProcessInfo.processInfo.environment
        if let pythonPath { environment["PYTHONPATH"] = pythonPath }
        return await runProcess(arguments, environment: environment).status
    }
}

@Suite("Upstash's own Python SDK (upstash-redis from PyPI) against kv-rest-bridge")
struct UpstashSDKTests {
    /// Exercises the SDK's plain commands, binary-safe values, pipelines and transactions.
    static let script = #"""
        import os, sys
        from upstash_redis import Redis
        r = Redis(url=os.environ["UPSTASH_REDIS_REST_URL"], token=os.environ["UPSTASH_REDIS_REST_TOKEN"])
        def check(label, got, want):
            if got != want:
                print(f"FAIL {label}: got {got!r}, want {want!r}")
                sys.exit(1)
        check("ping", r.ping(), "PONG")
        check("set", r.set("sdk:k", "value"), True)
        check("get", r.get("sdk:k"), "value")
        check("set ex", r.set("sdk:ttl", "x", ex=100), True)
        check("ttl", 0 < r.ttl("sdk:ttl") <= 100, True)
        check("set nx", r.set("sdk:k", "other", nx=True), False)
        check("incr", r.incr("sdk:n"), 1)
        check("incrby", r.incrby("sdk:n", 41), 42)
        check("get number", r.get("sdk:n"), "42")
        check("unicode", r.set("sdk:é", "ünïcødé 😀") and r.get("sdk:é"), "ünïcødé 😀")
        check("mget", r.mget("sdk:k", "sdk:missing"), ["value", None])
        check("hset", r.hset("sdk:h", values={"a": "1", "b": "2"}), 2)
        check("hgetall", r.hgetall("sdk:h"), {"a": "1", "b": "2"})
        check("rpush", r.rpush("sdk:l", "a", "b", "c"), 3)
        check("lrange", r.lrange("sdk:l", 0, -1), ["a", "b", "c"])
        check("sadd", r.sadd("sdk:s", "x", "y"), 2)
        check("smembers", sorted(r.smembers("sdk:s")), ["x", "y"])
        check("zadd", r.zadd("sdk:z", {"m1": 1, "m2": 2}), 2)
        check("zrange", r.zrange("sdk:z", 0, -1, withscores=True), [("m1", 1.0), ("m2", 2.0)])
        keys = set()
        cursor = 0
        while True:
            cursor, page = r.scan(cursor, match="sdk:*", count=2)
            keys.update(page)
            if cursor == 0:
                break
        check("scan", "sdk:k" in keys and "sdk:h" in keys, True)
        check("exists", r.exists("sdk:k", "sdk:h", "sdk:none"), 2)
        check("eval", r.eval("return ARGV[1]", [], ["echoed"]), "echoed")
        p = r.pipeline()
        p.set("sdk:p", "1")
        p.incr("sdk:p")
        p.get("sdk:p")
        check("pipeline", p.exec(), [True, 2, "2"])
        t = r.multi()
        t.set("sdk:t", "a")
        t.append("sdk:t", "b")
        t.get("sdk:t")
        check("multi", t.exec(), [True, 2, "ab"])
        try:
            r.lpush("sdk:k", "x")
            print("FAIL wrongtype: no error")
            sys.exit(1)
        except Exception as e:
            check("wrongtype", "WRONGTYPE" in str(e), True)
        check("delete", r.delete("sdk:k", "sdk:n", "sdk:none"), 2)
        check("get deleted", r.get("sdk:k"), None)
        print("SDK OK")
        """#

    @Test(
        "the SDK's commands, pipelines and transactions work unchanged against the bridge",
        .enabled("skipped: upstash-redis could not be installed from PyPI (no network to PyPI?)") {
            await UpstashSDKInstall.shared.ready()
        }
    )
    func sdkAgainstBridge() async throws {
        let fixture = try await BridgeFixture.start()
        let scriptFile = FileManager.default.temporaryDirectory.appendingPathComponent("upstash-sdk-\(UUID().uuidString).py")
        try Self.script.write(to: scriptFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: scriptFile) }
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONPATH"] = UpstashSDKInstall.shared.directory.path
        environment["UPSTASH_REDIS_REST_URL"] = fixture.url
        environment["UPSTASH_REDIS_REST_TOKEN"] = BridgeFixture.token
        environment["UPSTASH_DISABLE_TELEMETRY"] = "1"
        let (status, output) = await runProcess([UpstashSDKInstall.shared.python, scriptFile.path], environment: environment)
        #expect(status == 0, "SDK output:\n\(output)")
        #expect(output.contains("SDK OK"))
        await fixture.stop()
    }
}

/// Runs a command through `/usr/bin/env` on a thread of its own (waiting for a process blocks), and
/// returns its exit status and combined output.
func runProcess(_ arguments: [String], environment: [String: String]) async -> (status: Int32, output: String) {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = arguments
            process.environment = environment
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            do {
                try process.run()
            } catch {
                continuation.resume(returning: (-1, "\(error)"))
                return
            }
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            continuation.resume(returning: (process.terminationStatus, String(decoding: data, as: UTF8.self)))
        }
    }
}
