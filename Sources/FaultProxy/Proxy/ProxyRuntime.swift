import Logging
import Metrics
import NIOCore
import NIOPosix
import Synchronization

/// The live side of one proxy: binds its listener, opens the upstream leg for each accepted client and keeps track
/// of the live connections so that toxic changes reach them on their event loops.
final class ProxyRuntime: Sendable {
    private struct State {
        var upstream: HostAndPort
        var toxics: [Toxic] = []
        var connections: [Int: NIOLoopBound<ProxyConnection>] = [:]
        var nextConnectionNumber: UInt64 = 0
        /// Bumped whenever live connections are cut, so a connection still connecting upstream at that moment is
        /// cut too when it would register.
        var generation = 0
        /// Accepted connections held by a `connect_delay` of 0, released when no such toxic is left.
        var heldConnects: [UInt64: EventLoopPromise<Void>] = [:]
    }

    let name: String
    private let group: any EventLoopGroup
    private let logger: Logger
    private let seed: UInt64
    private let state: Mutex<State>
    private let acceptedConnections: Counter
    private let failedUpstreamConnects: Counter
    private let liveConnections: Gauge

    init(name: String, upstream: HostAndPort, group: any EventLoopGroup, seed: UInt64, logger: Logger) {
        let dimensions = [("proxy", name)]
        acceptedConnections = Counter(label: "fault_proxy_connections_total", dimensions: dimensions)
        failedUpstreamConnects = Counter(label: "fault_proxy_upstream_connect_failures_total", dimensions: dimensions)
        liveConnections = Gauge(label: "fault_proxy_live_connections", dimensions: dimensions)
        self.name = name
        self.group = group
        self.seed = seed
        self.logger = logger
        state = Mutex(State(upstream: upstream))
    }

    var liveConnectionCount: Int { state.withLock { $0.connections.count } }

    /// Connections accepted since the proxy was created, whether or not their upstream leg ever connected.
    var acceptedConnectionCount: Int { state.withLock { Int(truncatingIfNeeded: $0.nextConnectionNumber) } }

    /// Sets where new connections go.
    func setUpstream(_ upstream: HostAndPort) {
        state.withLock { $0.upstream = upstream }
    }

    /// Sets the toxics of new connections and sends them to every live connection.
    /// Installs `toxics` for new connections and hands them to every live connection's event loop; the
    /// futures complete once each has applied them. Synchronous on purpose: the registry calls it inside its
    /// actor before any suspension, so concurrent changes reach every connection in the registry's order.
    func installToxics(_ toxics: [Toxic]) -> [EventLoopFuture<Void>] {
        let (connections, released) = state.withLock { state in
            state.toxics = toxics
            var released: [EventLoopPromise<Void>] = []
            if Self.blackholedConnect(in: toxics) == nil {
                released = Array(state.heldConnects.values)
                state.heldConnects = [:]
            }
            return (Array(state.connections.values), released)
        }
        for promise in released { promise.succeed() }
        return connections.map { connection in
            connection.eventLoop.submit { connection.value.apply(toxics) }
        }
    }

    /// Cuts every live connection (the proxy was disabled, moved or deleted).
    func closeAllConnections() {
        let (connections, held) = state.withLock { state in
            state.generation += 1
            defer { state.heldConnects = [:] }
            return (Array(state.connections.values), Array(state.heldConnects.values))
        }
        for promise in held { promise.fail(ChannelError.ioOnClosedChannel) }
        for connection in connections {
            connection.eventLoop.execute { connection.value.closeImmediately() }
        }
    }

    /// Binds the listener; the returned channel's local address is the real bound address.
    func bind(_ address: HostAndPort) async throws(FaultProxyError) -> any Channel {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 1024)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { [self] child in
                self.startConnection(client: child)
            }
        do {
            return try await bootstrap.bind(host: address.host, port: address.port).get()
        } catch {
            throw .internalFailure("proxy \(name) could not listen on \(address): \(error)")
        }
    }

    /// Runs on the accepted channel's event loop, before it is registered: the client is not read until the upstream
    /// leg is connected, and the upstream leg uses the same event loop so that the pair needs no locks.
    private func startConnection(client: any Channel) -> EventLoopFuture<Void> {
        let loop = client.eventLoop
        let (number, upstream, generation, toxics) = state.withLock { state in
            state.nextConnectionNumber += 1
            return (state.nextConnectionNumber, state.upstream, state.generation, state.toxics)
        }
        let released = holdBeforeConnecting(number: number, toxics: toxics, loop: loop)
        let connection = ProxyConnection(
            id: Int(truncatingIfNeeded: number), eventLoop: loop, seed: SplitMix64.derive(seed, number))
        do {
            try client.pipeline.syncOperations.addHandler(connection.clientSide)
        } catch {
            return loop.makeFailedFuture(error)
        }
        let boundConnection = NIOLoopBound(connection, eventLoop: loop)
        let bootstrap = ClientBootstrap(group: loop)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .channelOption(ChannelOptions.autoRead, value: false)
            .connectTimeout(.seconds(10))
            .channelInitializer { server in
                server.eventLoop.makeCompletedFuture {
                    try server.pipeline.syncOperations.addHandler(boundConnection.value.serverSide)
                }
            }
        let connected = released.flatMap { () -> EventLoopFuture<any Channel> in
            if let address = try? SocketAddress(ipAddress: upstream.host, port: upstream.port) {
                return bootstrap.connect(to: address)
            }
            return bootstrap.connect(host: upstream.host, port: upstream.port)
        }
        let logger = logger
        let name = name
        acceptedConnections.increment()
        let failedUpstreamConnects = failedUpstreamConnects
        return connected.flatMapErrorThrowing { error in
            failedUpstreamConnects.increment()
            logger.debug(
                "upstream connect failed", metadata: ["proxy": "\(name)", "upstream": "\(upstream)", "error": "\(error)"])
            throw error
        }.map { [self] server in
            let id = boundConnection.value.id
            let toxics = state.withLock { state -> [Toxic]? in
                guard state.generation == generation else { return nil }
                state.connections[id] = boundConnection
                return state.toxics
            }
            guard let toxics else {
                // The proxy was disabled or deleted while this connection was being set up.
                server.close(promise: nil)
                client.close(promise: nil)
                return
            }
            boundConnection.value.apply(toxics)
            liveConnections.record(state.withLock { $0.connections.count })
            client.closeFuture.and(server.closeFuture).whenComplete { [self] _ in
                let count = state.withLock { state in
                    state.connections.removeValue(forKey: id)
                    return state.connections.count
                }
                liveConnections.record(count)
            }
        }
    }

    /// A `connect_delay` of 0 among `toxics` (whatever its toxicity), which holds new connections until removed.
    private static func blackholedConnect(in toxics: [Toxic]) -> Toxic? {
        toxics.first { if case .connectDelay(0) = $0.kind { true } else { false } }
    }

    /// When the upstream leg of accepted connection `number` may be opened: at once, after a `connect_delay`, or
    /// (delay 0) once no such toxic is left. The toxicity roll is per connection and seeded, like the others'.
    private func holdBeforeConnecting(number: UInt64, toxics: [Toxic], loop: any EventLoop) -> EventLoopFuture<Void> {
        var random = SplitMix64(seed: SplitMix64.derive(SplitMix64.derive(seed, number), 4))
        for toxic in toxics {
            guard case .connectDelay(let delay) = toxic.kind, random.nextUnitInterval() < toxic.toxicity else { continue }
            if delay > 0 {
                return loop.scheduleTask(in: .milliseconds(Int64(delay))) {}.futureResult
            }
            let promise = loop.makePromise(of: Void.self)
            let parked = state.withLock { state in
                // The toxic may have gone between the accept and now; then the connection goes on at once.
                guard Self.blackholedConnect(in: state.toxics) != nil else { return false }
                state.heldConnects[number] = promise
                return true
            }
            if !parked { promise.succeed() }
            return promise.futureResult
        }
        return loop.makeSucceededVoidFuture()
    }
}
