import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A private redis-server process in its own temporary directory, on a free loopback port (and a unix
/// socket), for tests, benchmarks and scenarios. Nothing outside the directory is touched, and
/// ``cleanUp()`` removes it.
///
/// The server can be stopped (`SHUTDOWN`-like SIGTERM, which saves when persistence is on), killed with
/// SIGKILL, and started again on the same port and directory, which is what the persistence scenarios need.
public final class RedisServer: Sendable {
    /// How to start the server.
    public struct Options: Sendable {
        /// Append-only file and RDB snapshots in the directory, so data survives a restart.
        public var persistence: Bool
        /// A password for the `default` user (`requirepass`).
        public var password: String?
        /// An extra ACL user with full access: `(name, password)`.
        public var aclUser: (name: String, password: String)?
        /// Further `--name value` arguments passed to redis-server as they are.
        public var extraArguments: [String]
        /// TLS only: the server's port is a TLS port signed by these certificates, and it has no plain TCP port
        /// (the harness then talks to it over its unix socket). See `RedisServer+TLS.swift`.
        public var tls: TLSTestCertificates?

        /// Creates options; the defaults are a throw-away server with no persistence and no password.
        public init(
            persistence: Bool = false,
            password: String? = nil,
            aclUser: (name: String, password: String)? = nil,
            extraArguments: [String] = [],
            tls: TLSTestCertificates? = nil
        ) {
            self.persistence = persistence
            self.password = password
            self.aclUser = aclUser
            self.extraArguments = extraArguments
            self.tls = tls
        }
    }

    /// Why the server could not be started.
    public struct StartError: Error, CustomStringConvertible {
        /// What went wrong, with the server's own log tail where there is one.
        public var description: String
    }

    /// The loopback TCP port the server listens on (a TLS port when ``Options/tls`` is set).
    public let port: Int
    /// The temporary directory that holds the socket, the log and any persistence files.
    public let directory: URL
    /// The unix socket path the server also listens on.
    public var socketPath: String { directory.appendingPathComponent("redis.sock").path }
    /// The options the server was started with.
    public let options: Options
    /// A `redis://` URL for the TCP port, with credentials when a password is set.
    public var url: String {
        if options.tls != nil { return tlsURL }
        if let password = options.password { return "redis://:\(password)@127.0.0.1:\(port)/0" }
        return "redis://127.0.0.1:\(port)/0"
    }

    private let executable: String
    private let process: Mutex<SpawnedProcess?>
    private let logger: Logger

    private init(port: Int, directory: URL, options: Options, executable: String, logger: Logger) {
        self.port = port
        self.directory = directory
        self.options = options
        self.executable = executable
        self.process = Mutex(nil)
        self.logger = logger
    }

    deinit {
        process.withLock { process in
            if let running = process, running.isRunning {
                running.send(SIGKILL)
                running.reapWhenExited()
            }
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Starts a server on a free port in a new temporary directory and waits until it answers `PING`.
    public static func start(options: Options = Options(), logger: Logger = Logger(label: "redis-server")) async throws -> RedisServer {
        guard let executable = findExecutable("redis-server") else {
            throw StartError(description: "redis-server not found on PATH (or in $REDIS_SERVER); "
                + "install it with `apt-get install -y redis-server` (scripts/test.sh does this)")
        }
        reapOrphans(logger: logger)
        var lastError: (any Error)?
        for _ in 0..<5 {
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent(directoryPrefix + UUID().uuidString.prefix(8))
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try recordOwner(in: directory)
            let server = RedisServer(
                port: try freeLoopbackPort(), directory: directory, options: options,
                executable: executable, logger: logger)
            do {
                try await server.launch()
                return server
            } catch {
                lastError = error
                await server.stop()
                server.cleanUp()
            }
        }
        throw lastError ?? StartError(description: "redis-server did not start")
    }

    /// Whether the server process is running.
    public var isRunning: Bool { process.withLock { $0?.isRunning ?? false } }

    /// The server's process id, while it runs.
    public var processIdentifier: Int32? { process.withLock { $0?.isRunning == true ? $0?.processIdentifier : nil } }

    /// Starts the server again on the same port and directory (after ``stop()`` or ``kill()``).
    public func restart() async throws {
        await stop()
        try await launch()
    }

    /// Stops the server with SIGTERM (it saves first when persistence is on) and waits for it to exit.
    public func stop() async {
        guard let running = process.withLock({ $0 }) else { return }
        running.send(SIGTERM)
        await Self.waitForExit(running, timeout: .seconds(10))
        process.withLock { $0 = nil }
    }

    /// Kills the server with SIGKILL, as a crash would, and waits for it to exit.
    public func kill() async {
        guard let running = process.withLock({ $0 }) else { return }
        running.send(SIGKILL)
        await Self.waitForExit(running, timeout: .seconds(10))
        process.withLock { $0 = nil }
    }

    /// Pauses (SIGSTOP) or resumes (SIGCONT) the process: it keeps its connections but answers nothing.
    public func setFrozen(_ frozen: Bool) {
        process.withLock { process in
            process?.send(frozen ? SIGSTOP : SIGCONT)
        }
    }

    /// Kills the server if it still runs and removes its directory.
    public func cleanUp() {
        process.withLock { process in
            // No waiting here: this runs from `defer` in async code; a thread reaps the killed process.
            if let running = process, running.isRunning {
                running.send(SIGKILL)
                running.reapWhenExited()
            }
            process = nil
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Sends one command (as RESP) and returns the raw reply text; for tests and harness set-up only.
    /// The blocking socket work runs on a thread of its own, never on the cooperative pool.
    public func command(_ arguments: [String], timeout: Duration = .seconds(5)) async throws -> String {
        try await command(arguments, password: options.password, timeout: timeout)
    }

    /// Sends one command on a connection of its own, authenticated with `password` (a password changed at run
    /// time), and returns the raw reply text. The blocking socket work runs on a thread of its own.
    public func command(_ arguments: [String], password: String?, timeout: Duration = .seconds(5)) async throws -> String {
        let endpoint = adminEndpoint
        return try await DedicatedThread.run {
            try RawRedisConnection.roundTrip(endpoint, arguments: arguments, password: password, timeout: timeout)
        }
    }

    /// Sends `commands` (binary-safe arguments) in one write over a fresh connection and returns each raw
    /// RESP reply, in order; for tests that must write keys or patterns that are not valid UTF-8, or values
    /// as another client would. The blocking socket work runs on a thread of its own.
    public func pipeline(_ commands: [[[UInt8]]], timeout: Duration = .seconds(30)) async throws -> [[UInt8]] {
        let endpoint = adminEndpoint
        let password = options.password
        return try await DedicatedThread.run {
            try RawRedisConnection.pipeline(endpoint, commands: commands, password: password, timeout: timeout)
        }
    }

    // MARK: - Launching

    private var arguments: [String] {
        var arguments = [
            "--port", options.tls == nil ? String(port) : "0",
            "--bind", "127.0.0.1",
            "--unixsocket", socketPath,
            "--unixsocketperm", "700",
            "--dir", directory.path,
            "--logfile", directory.appendingPathComponent("redis.log").path,
            "--pidfile", directory.appendingPathComponent("redis.pid").path,
            "--daemonize", "no",
            "--protected-mode", "no",
            "--tcp-backlog", "511",
        ]
        if options.persistence {
            arguments += ["--appendonly", "yes", "--appendfsync", "everysec", "--save", "60 1"]
        } else {
            arguments += ["--appendonly", "no", "--save", ""]
        }
        if let password = options.password {
            arguments += ["--requirepass", password]
        }
        arguments += tlsArguments
        arguments += options.extraArguments
        return arguments
    }

    private func launch() async throws {
        let process = try SpawnedProcess(executable: executable, arguments: arguments)
        self.process.withLock { $0 = process }

        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if !process.isRunning {
                throw StartError(description: "redis-server exited at start (wait status \(process.exitStatus ?? -1)): \(logTail())")
            }
            // With a password, PING is sent after AUTH; NOAUTH would mean AUTH failed, which is our bug.
            if let reply = try? await command(["PING"], timeout: .milliseconds(200)), reply.hasPrefix("+PONG") {
                try await configureACLUser()
                logger.debug("redis-server ready", metadata: ["port": "\(port)", "dir": "\(directory.path)"])
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw StartError(description: "redis-server did not answer PING within 10 s: \(logTail())")
    }

    private func configureACLUser() async throws {
        guard let user = options.aclUser else { return }
        _ = try await command(["ACL", "SETUSER", user.name, "on", ">\(user.password)", "~*", "&*", "+@all"])
    }

    /// The last lines of the server's log, to explain a failure.
    public func logTail(lines: Int = 15) -> String {
        let log = (try? String(contentsOf: directory.appendingPathComponent("redis.log"), encoding: .utf8)) ?? ""
        return log.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    private static func waitForExit(_ process: SpawnedProcess, timeout: Duration) async {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        if process.isRunning {
            process.send(SIGKILL)
            while process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
        }
    }

    /// Finds `name` on `PATH` (or the path in `$REDIS_SERVER` / `$REDIS_BENCHMARK` style overrides).
    public static func findExecutable(_ name: String) -> String? {
        let environment = ProcessInfo.processInfo.environment
        let overrideName = name.uppercased().replacingOccurrences(of: "-", with: "_")
        if let path = environment[overrideName], FileManager.default.isExecutableFile(atPath: path) { return path }
        let searchPath = (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin") + ":/usr/sbin:/sbin"
        for directory in searchPath.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
