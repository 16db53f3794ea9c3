import Logging
import NIOCore
import NIOPosix

/// Owns every proxy: creates, reconfigures and deletes them and their toxics. The HTTP control API is a thin layer
/// over this; the scenario runner uses it in-process.
public actor ProxyRegistry {
    private struct Entry {
        var configuration: ProxyConfiguration
        var toxics: [Toxic] = []
        let runtime: ProxyRuntime
        var listener: (any Channel)?
        /// While disabled: the port, held so that enabling can bind it again (see ``PortReservation``).
        var reservation: PortReservation?

        var state: ProxyState {
            ProxyState(
                name: configuration.name, listen: configuration.listen, upstream: configuration.upstream,
                enabled: listener != nil, toxics: toxics)
        }
    }

    private let group: any EventLoopGroup
    private let seed: UInt64
    private let logger: Logger
    private var entries: [String: Entry] = [:]
    /// Names being created (a bind is in flight), so that a concurrent create of the same name is refused.
    private var reservedNames: Set<String> = []

    /// Creates an empty registry. With a `seed`, every random choice of every proxy is reproducible.
    public init(
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        seed: UInt64? = nil, logger: Logger = Logger(label: "fault-proxy")
    ) {
        group = eventLoopGroup
        var system = SystemRandomNumberGenerator()
        self.seed = seed ?? system.next()
        self.logger = logger
    }

    // MARK: Proxies

    /// Creates and starts a proxy. `listen` "127.0.0.1:0" picks a free port; the returned state has the real address.
    public func createProxy(_ configuration: ProxyConfiguration) async throws(FaultProxyError) -> ProxyState {
        guard !configuration.name.isEmpty else { throw .badRequest("missing required field: name") }
        guard !configuration.upstream.isEmpty else { throw .badRequest("missing required field: upstream") }
        let upstream = try HostAndPort(parsing: configuration.upstream)
        let listen = try HostAndPort(parsing: configuration.listen)
        guard entries[configuration.name] == nil, !reservedNames.contains(configuration.name) else {
            throw .conflict("proxy already exists: \(configuration.name)")
        }
        reservedNames.insert(configuration.name)
        defer { reservedNames.remove(configuration.name) }

        let runtime = ProxyRuntime(
            name: configuration.name, upstream: upstream, group: group,
            seed: SplitMix64.derive(seed, SplitMix64.stableHash(configuration.name)), logger: logger)
        var entry = Entry(configuration: configuration, runtime: runtime)
        if configuration.enabled {
            let listener = try await runtime.bind(listen)
            entry.listener = listener
            entry.configuration.listen = Self.boundAddress(of: listener, requested: listen)
        }
        entries[configuration.name] = entry
        logger.info(
            "proxy created",
            metadata: ["proxy": "\(configuration.name)", "listen": "\(entry.configuration.listen)",
                       "upstream": "\(configuration.upstream)"])
        return entry.state
    }

    /// The proxy named `name`.
    public func proxy(named name: String) async throws(FaultProxyError) -> ProxyState {
        try entry(name).state
    }

    /// Every proxy, sorted by name.
    public func allProxies() async -> [ProxyState] {
        entries.values.map(\.state).sorted { $0.name < $1.name }
    }

    /// Enables (rebinds the same listen address) or disables (closes listener, cuts live connections).
    public func setEnabled(_ enabled: Bool, proxy name: String) async throws(FaultProxyError) -> ProxyState {
        var entry = try entry(name)
        if enabled, entry.listener == nil {
            let listen = try HostAndPort(parsing: entry.configuration.listen)
            entry.reservation?.release()
            entry.reservation = nil
            entries[name] = entry
            let listener = try await entry.runtime.bind(listen)
            guard let current = entries[name] else {
                // Deleted while this bind was in flight.
                try? await listener.close()
                throw .notFound("proxy not found: \(name)")
            }
            entry = current
            guard entry.listener == nil else {
                // Another caller enabled it while this bind was in flight.
                try? await listener.close()
                return entry.state
            }
            entry.listener = listener
            entry.configuration.listen = Self.boundAddress(of: listener, requested: listen)
        } else if !enabled, let listener = entry.listener {
            let boundAddress = listener.localAddress
            entry.listener = nil
            entries[name] = entry
            try? await listener.close()
            if let boundAddress, var current = entries[name], current.listener == nil {
                current.reservation = PortReservation(boundAddress)
                entries[name] = current
            }
            entry.runtime.closeAllConnections()
            entry = try self.entry(name)
        }
        entry.configuration.enabled = enabled
        entries[name] = entry
        return entry.state
    }

    /// Changes a proxy's addresses or enabled flag (nil leaves a field as it is). A new listen or upstream address
    /// restarts the proxy, cutting live connections, as Toxiproxy does.
    public func updateProxy(
        named name: String, listen: String? = nil, upstream: String? = nil, enabled: Bool? = nil
    ) async throws(FaultProxyError) -> ProxyState {
        var entry = try entry(name)
        let newListen = listen.flatMap { $0 == entry.configuration.listen ? nil : $0 }
        let newUpstream = upstream.flatMap { $0 == entry.configuration.upstream ? nil : $0 }
        if newListen != nil || newUpstream != nil {
            if let newListen { _ = try HostAndPort(parsing: newListen) }
            if let newUpstream { entry.runtime.setUpstream(try HostAndPort(parsing: newUpstream)) }
            let wasEnabled = entry.listener != nil
            _ = try await setEnabled(false, proxy: name)
            entry = try self.entry(name)
            if let newListen { entry.configuration.listen = newListen }
            if let newUpstream { entry.configuration.upstream = newUpstream }
            entries[name] = entry
            return try await setEnabled(enabled ?? wasEnabled, proxy: name)
        }
        if let enabled {
            return try await setEnabled(enabled, proxy: name)
        }
        return entry.state
    }

    /// Deletes a proxy: closes its listener and cuts its connections.
    public func deleteProxy(named name: String) async throws(FaultProxyError) {
        let entry = try entry(name)
        entries[name] = nil
        entry.reservation?.release()
        try? await entry.listener?.close()
        entry.runtime.closeAllConnections()
        logger.info("proxy deleted", metadata: ["proxy": "\(name)"])
    }

    /// Creates the given proxies, replacing any of the same name whose addresses differ and setting the toxics of
    /// those that list them (Toxiproxy's `/populate`, plus toxics).
    public func populate(_ definitions: [ProxyDefinition]) async throws(FaultProxyError) -> [ProxyState] {
        var names = Set<String>()
        for definition in definitions {
            guard !definition.configuration.name.isEmpty else { throw .badRequest("missing required field: name") }
            guard names.insert(definition.configuration.name).inserted else {
                throw .badRequest("proxy \(definition.configuration.name) is listed twice")
            }
            _ = try HostAndPort(parsing: definition.configuration.upstream)
            _ = try HostAndPort(parsing: definition.configuration.listen)
            try Self.checkUniqueNames(definition.toxics ?? [])
        }
        var states: [ProxyState] = []
        for definition in definitions {
            let configuration = definition.configuration
            if let existing = entries[configuration.name] {
                let requested = try HostAndPort(parsing: configuration.listen)
                let sameListen =
                    configuration.listen == existing.configuration.listen
                    || (requested.port == 0 && (try? HostAndPort(parsing: existing.configuration.listen).host)
                        == requested.host)
                if !sameListen || configuration.upstream != existing.configuration.upstream {
                    try await deleteProxy(named: configuration.name)
                    _ = try await createProxy(configuration)
                } else {
                    _ = try await setEnabled(configuration.enabled, proxy: configuration.name)
                }
            } else {
                _ = try await createProxy(configuration)
            }
            if let toxics = definition.toxics {
                try await replaceToxics(toxics, of: configuration.name)
            }
            states.append(try entry(configuration.name).state)
        }
        return states
    }

    // MARK: Toxics

    /// Adds a toxic; applies to live connections too. Name defaults to "<type>_<stream>".
    public func addToxic(_ toxic: Toxic, to proxy: String) async throws(FaultProxyError) -> Toxic {
        try toxic.validate()
        var entry = try entry(proxy)
        guard !entry.toxics.contains(where: { $0.name == toxic.name }) else {
            throw .conflict("toxic already exists: \(toxic.name)")
        }
        entry.toxics.append(toxic)
        entries[proxy] = entry
        await Self.applied(entry.runtime.installToxics(entry.toxics))
        return toxic
    }

    /// The toxic named `toxicName` of `proxy`.
    public func toxic(named toxicName: String, of proxy: String) async throws(FaultProxyError) -> Toxic {
        guard let toxic = try entry(proxy).toxics.first(where: { $0.name == toxicName }) else {
            throw .notFound("toxic not found: \(toxicName)")
        }
        return toxic
    }

    /// Replaces the toxic of the same name, keeping its place in the chain; live connections get the change.
    public func updateToxic(_ toxic: Toxic, in proxy: String) async throws(FaultProxyError) -> Toxic {
        try toxic.validate()
        var entry = try entry(proxy)
        guard let index = entry.toxics.firstIndex(where: { $0.name == toxic.name }) else {
            throw .notFound("toxic not found: \(toxic.name)")
        }
        entry.toxics[index] = toxic
        entries[proxy] = entry
        await Self.applied(entry.runtime.installToxics(entry.toxics))
        return toxic
    }

    /// Removes a toxic; data it held moves on, and live connections stop being affected.
    public func removeToxic(named toxicName: String, from proxy: String) async throws(FaultProxyError) {
        var entry = try entry(proxy)
        guard let index = entry.toxics.firstIndex(where: { $0.name == toxicName }) else {
            throw .notFound("toxic not found: \(toxicName)")
        }
        entry.toxics.remove(at: index)
        entries[proxy] = entry
        await Self.applied(entry.runtime.installToxics(entry.toxics))
    }

    /// Enables every proxy and removes every toxic.
    public func reset() async {
        for name in entries.keys.sorted() {
            do {
                try await replaceToxics([], of: name)
                _ = try await setEnabled(true, proxy: name)
            } catch {
                logger.warning("reset could not re-enable proxy", metadata: ["proxy": "\(name)", "error": "\(error)"])
            }
        }
    }

    /// Closes every listener and connection and forgets every proxy.
    public func shutdown() async {
        for name in entries.keys.sorted() {
            try? await deleteProxy(named: name)
        }
    }

    /// The number of live connections through `proxy` (for tests and diagnostics).
    public func liveConnectionCount(of proxy: String) async throws(FaultProxyError) -> Int {
        try entry(proxy).runtime.liveConnectionCount
    }

    /// The number of connections `proxy` has accepted since it was created: every client connect, including those
    /// whose upstream leg failed or was cut (a reconnect storm shows here).
    public func acceptedConnectionCount(of proxy: String) async throws(FaultProxyError) -> Int {
        try entry(proxy).runtime.acceptedConnectionCount
    }

    // MARK: Helpers

    /// Returns once every live connection has applied a toxic change, so bytes sent afterwards meet it.
    private static func applied(_ futures: [EventLoopFuture<Void>]) async {
        for future in futures { try? await future.get() }
    }

    private func entry(_ name: String) throws(FaultProxyError) -> Entry {
        guard let entry = entries[name] else { throw .notFound("proxy not found: \(name)") }
        return entry
    }

    private func replaceToxics(_ toxics: [Toxic], of proxy: String) async throws(FaultProxyError) {
        for toxic in toxics { try toxic.validate() }
        try Self.checkUniqueNames(toxics)
        var entry = try entry(proxy)
        entry.toxics = toxics
        entries[proxy] = entry
        await Self.applied(entry.runtime.installToxics(toxics))
    }

    private static func checkUniqueNames(_ toxics: [Toxic]) throws(FaultProxyError) {
        var names = Set<String>()
        for toxic in toxics where !names.insert(toxic.name).inserted {
            throw .conflict("toxic already exists: \(toxic.name)")
        }
    }

    private static func boundAddress(of channel: any Channel, requested: HostAndPort) -> String {
        guard let address = channel.localAddress, let port = address.port else { return requested.description }
        return HostAndPort(host: address.ipAddress ?? requested.host, port: port).description
    }
}
