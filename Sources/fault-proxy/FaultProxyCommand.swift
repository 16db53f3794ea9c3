import ArgumentParser
import FaultProxy
import Logging
import NIOPosix
import ServiceLifecycle
import UnixSignals

/// `fault-proxy`: a fault-injecting TCP proxy with Toxiproxy's toxics and its HTTP control API.
@main
struct FaultProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fault-proxy",
        abstract: "A fault-injecting TCP proxy with a Toxiproxy-compatible HTTP API.",
        discussion: """
            Serves Toxiproxy's control API (GET /proxies, POST /proxies, /populate, /reset, toxics …) so that \
            Toxiproxy clients work unchanged. Toxics: latency, bandwidth, slow_close, timeout, reset_peer, slicer, \
            limit_data. See docs/fault-proxy.md.
            """)

    @Option(help: "Address the control API binds to.")
    var host = "127.0.0.1"

    @Option(help: "Port of the control API.")
    var port = 8474

    @Option(help: "JSON file of proxies to create at start (Toxiproxy's format, plus optional toxics per proxy).")
    var config: String?

    @Option(help: "Seed for every random choice (toxicity, jitter, slicer sizes), to replay a run.")
    var seed: UInt64?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = logLevel
            return handler
        }
        let logger = Logger(label: "fault-proxy")
        let definitions: [ProxyDefinition]
        do {
            definitions = try config.map { (path) throws(FaultProxyError) in try ProxyConfigFile.load(path: path) } ?? []
        } catch {
            throw StartupError(description: error.message)
        }

        let registry = ProxyRegistry(seed: seed, logger: logger)
        let server: ControlServer
        do {
            server = try await ControlServer.start(registry: registry, host: host, port: port, logger: logger)
        } catch {
            await registry.shutdown()
            throw StartupError(description: error.message)
        }
        do {
            let states = try await registry.populate(definitions)
            for state in states {
                logger.info("proxy ready", metadata: ["proxy": "\(state.name)", "listen": "\(state.listen)"])
            }
        } catch {
            await server.close()
            await registry.shutdown()
            throw StartupError(description: "config file \(config ?? ""): \(error.message)")
        }

        let service = ControlService(server: server, registry: registry)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
