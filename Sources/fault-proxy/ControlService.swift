import FaultProxy
import ServiceLifecycle

/// Keeps the control server and the proxies up until a shutdown signal, then closes everything.
struct ControlService: Service {
    let server: ControlServer
    let registry: ProxyRegistry

    func run() async throws {
        try? await gracefulShutdown()
        await server.close()
        await registry.shutdown()
    }
}
