import Foundation

/// Toxiproxy's HTTP control API over a `ProxyRegistry`, independent of the HTTP transport so it can be tested and
/// reused: a method, a path and a body in, a status and a JSON body out.
public struct ControlAPI: Sendable {
    /// The version `/version` reports: the Toxiproxy API level this server follows.
    public static let toxiproxyVersion = "2.12.0"

    /// The registry the API drives.
    public let registry: ProxyRegistry

    /// Creates the API over `registry`.
    public init(registry: ProxyRegistry) {
        self.registry = registry
    }

    /// Answers one request. Never throws: every failure becomes a JSON error answer.
    public func handle(method: String, uri: String, body: [UInt8]) async -> ControlResponse {
        let path = uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
        let parts = path.split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
        do {
            return try await route(method: method.uppercased(), parts: parts, body: body)
        } catch {
            return .failure(error)
        }
    }

    private func route(method: String, parts: [String], body: [UInt8]) async throws(FaultProxyError) -> ControlResponse {
        switch (method, parts.count, parts.first) {
        case ("GET", 1, "version"):
            return .json(200, ["version": Self.toxiproxyVersion])
        case ("POST", 1, "reset"):
            await registry.reset()
            return .noContent
        case ("POST", 1, "populate"):
            let definitions = try ControlJSON.proxyDefinitions(from: body)
            let states = try await registry.populate(definitions)
            return .json(201, ["proxies": states])
        case ("GET", 1, "proxies"):
            let proxies = await registry.allProxies()
            return .json(200, Dictionary(uniqueKeysWithValues: proxies.map { ($0.name, $0) }))
        case ("POST", 1, "proxies"):
            let definition = try ControlJSON.proxyDefinition(from: try ControlJSON.object(from: body))
            let state = try await registry.createProxy(definition.configuration)
            guard let toxics = definition.toxics, !toxics.isEmpty else { return .json(201, state) }
            for toxic in toxics {
                _ = try await registry.addToxic(toxic, to: state.name)
            }
            return .json(201, try await registry.proxy(named: state.name))
        case (_, 2, "proxies"):
            return try await proxyRoute(method: method, name: parts[1], body: body)
        case (_, 3, "proxies") where parts[2] == "toxics":
            return try await toxicsRoute(method: method, proxy: parts[1], body: body)
        case (_, 4, "proxies") where parts[2] == "toxics":
            return try await toxicRoute(method: method, proxy: parts[1], toxic: parts[3], body: body)
        case (_, _, "version"), (_, _, "reset"), (_, _, "populate"), (_, 1, "proxies"):
            throw FaultProxyError(status: 405, message: "method \(method) not allowed on /\(parts.joined(separator: "/"))")
        default:
            throw .notFound("no such endpoint: /\(parts.joined(separator: "/"))")
        }
    }

    private func proxyRoute(method: String, name: String, body: [UInt8]) async throws(FaultProxyError) -> ControlResponse {
        switch method {
        case "GET":
            return .json(200, try await registry.proxy(named: name))
        case "POST", "PATCH":
            let object = try ControlJSON.object(from: body)
            let state = try await registry.updateProxy(
                named: name,
                listen: try ControlJSON.string(object, "listen"),
                upstream: try ControlJSON.string(object, "upstream"),
                enabled: try ControlJSON.bool(object, "enabled"))
            return .json(200, state)
        case "DELETE":
            try await registry.deleteProxy(named: name)
            return .noContent
        default:
            throw FaultProxyError(status: 405, message: "method \(method) not allowed on /proxies/\(name)")
        }
    }

    private func toxicsRoute(method: String, proxy: String, body: [UInt8]) async throws(FaultProxyError) -> ControlResponse {
        switch method {
        case "GET":
            return .json(200, try await registry.proxy(named: proxy).toxics)
        case "POST":
            let toxic = try ControlJSON.toxic(from: try ControlJSON.object(from: body))
            return .json(200, try await registry.addToxic(toxic, to: proxy))
        default:
            throw FaultProxyError(status: 405, message: "method \(method) not allowed on /proxies/\(proxy)/toxics")
        }
    }

    private func toxicRoute(
        method: String, proxy: String, toxic name: String, body: [UInt8]
    ) async throws(FaultProxyError) -> ControlResponse {
        switch method {
        case "GET":
            return .json(200, try await registry.toxic(named: name, of: proxy))
        case "POST", "PATCH":
            let existing = try await registry.toxic(named: name, of: proxy)
            let updated = try ControlJSON.toxic(updating: existing, with: try ControlJSON.object(from: body))
            return .json(200, try await registry.updateToxic(updated, in: proxy))
        case "DELETE":
            try await registry.removeToxic(named: name, from: proxy)
            return .noContent
        default:
            throw FaultProxyError(status: 405, message: "method \(method) not allowed on /proxies/\(proxy)/toxics/\(name)")
        }
    }
}
