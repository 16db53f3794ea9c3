import Foundation
import Logging

extension RedisCluster {
    /// Slots `0…16383` split over `primaries` as `redis-cli --cluster create` splits them (the same rounding), so
    /// a cluster's map does not depend on how it was created.
    static func slotRanges(primaries: Int) -> [ClosedRange<Int>] {
        let slotCount = 16384
        let perNode = Double(slotCount) / Double(primaries)
        var ranges: [ClosedRange<Int>] = []
        var first = 0
        var cursor = 0.0
        for index in 0..<primaries {
            var last = Int((cursor + perNode - 1).rounded())
            if last > slotCount - 1 || index == primaries - 1 { last = slotCount - 1 }
            if last < first { last = first }
            ranges.append(first...last)
            first = last + 1
            cursor += perNode
        }
        return ranges
    }

    /// The primary node `node` replicates in a new cluster, or nil for a primary: replicas are numbered after the
    /// primaries and dealt out in turn (with 3 primaries and 1 replica each, node 3 replicates 0, 4 → 1, 5 → 2).
    static func initialPrimary(of node: Int, primaries: Int) -> Int? {
        node < primaries ? nil : (node - primaries) % primaries
    }

    /// Starts every node of a cluster at once, in cluster mode, each knowing no other node yet; hand them to
    /// ``start(nodes:logger:announcing:)``. Starting them together matters: each redis-server takes tens of
    /// milliseconds to answer, and a primary reports `cluster_state:ok` no sooner than 2 s after its start, so that
    /// wait had better run for all of them at once (and may run while the caller does something else).
    public static func startNodes(
        options: Options = Options(), logger: Logger = Logger(label: "redis-cluster")
    ) async throws -> RedisClusterNodes {
        guard options.primaries >= 3, options.replicasPerPrimary >= 0 else {
            throw ClusterError(description: "a Redis Cluster needs at least 3 primaries (got \(options.primaries))")
        }
        RedisServer.reapOrphans(logger: logger)
        let configDirectory = FileManager.default.temporaryDirectory
            .appendingPathComponent(RedisServer.directoryPrefix + "cluster-" + UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(at: configDirectory, withIntermediateDirectories: true)
        do {
            try RedisServer.recordOwner(in: configDirectory)
            let certificates = try await makeCertificates(options, in: configDirectory)
            let nodes = try await startNodes(options: options, configDirectory: configDirectory, tls: certificates, logger: logger)
            return RedisClusterNodes(
                options: options, servers: nodes.map(\.server), busPorts: nodes.map(\.busPort), configDirectory: configDirectory)
        } catch {
            try? FileManager.default.removeItem(at: configDirectory)
            throw error
        }
    }

    /// The nodes, side by side; stops the ones that started if any failed.
    private static func startNodes(
        options: Options, configDirectory: URL, tls: TLSTestCertificates?, logger: Logger
    ) async throws -> [(server: RedisServer, busPort: Int)] {
        let started = try await withTaskGroup(of: (Int, Result<(server: RedisServer, busPort: Int), any Error>).self) { group in
            for number in 0..<options.nodeCount {
                group.addTask {
                    do {
                        let include = configDirectory.appendingPathComponent("node-\(number).conf")
                        try Data().write(to: include)
                        return (number, .success(try await startNode(options: options, include: include, tls: tls, logger: logger)))
                    } catch {
                        return (number, .failure(error))
                    }
                }
            }
            var results: [Int: Result<(server: RedisServer, busPort: Int), any Error>] = [:]
            for await (number, result) in group { results[number] = result }
            return (0..<options.nodeCount).map { results[$0]! }
        }
        var nodes: [(server: RedisServer, busPort: Int)] = []
        var failure: (any Error)?
        for result in started {
            switch result {
            case .success(let node): nodes.append(node)
            case .failure(let error): failure = failure ?? error
            }
        }
        if let failure {
            nodes.forEach { $0.server.cleanUp() }
            throw failure
        }
        // Started side by side, two nodes may have drawn the same free port: the one that lost the bind exits, but
        // its start may have seen the winner answer PING. A node is ours only if the process behind its port is.
        for number in nodes.indices {
            if await answersItself(nodes[number].server) { continue }
            logger.debug("cluster node lost its port to a sibling; starting it again", metadata: ["node": "\(number)"])
            nodes[number].server.cleanUp()
            let include = configDirectory.appendingPathComponent("node-\(number).conf")
            do {
                nodes[number] = try await startNode(options: options, include: include, tls: tls, logger: logger)
            } catch {
                for (other, node) in nodes.enumerated() where other != number { node.server.cleanUp() }
                throw error
            }
        }
        return nodes
    }

    /// Whether the process answering on `server`'s port is `server`'s own.
    private static func answersItself(_ server: RedisServer) async -> Bool {
        guard let pid = server.processIdentifier, let reply = try? await server.command(["INFO", "server"]),
            let info = RawRedisReply(reply)?.text
        else { return false }
        return field("process_id", in: info) == String(pid)
    }

    /// Joins the running, empty nodes into a cluster the way `redis-cli --cluster create` does, without its
    /// one-second polls: each primary gets its slots (`CLUSTER ADDSLOTSRANGE`) and every node a config epoch of its
    /// own (`CLUSTER SET-CONFIG-EPOCH`, before it knows anyone, so no epoch collision has to be resolved), every
    /// pair of nodes meets directly (`CLUSTER MEET` on the servers' own ports and bus ports, so no gossip round
    /// has to carry the news), and each replica follows its primary (`CLUSTER REPLICATE`) as soon as it knows it.
    /// The caller then waits until the cluster is healthy.
    func join(busPorts: [Int], timeout: Duration) async throws {
        let primaries = options.primaries
        let ranges = Self.slotRanges(primaries: primaries)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (number, server) in servers.enumerated() {
                group.addTask {
                    var commands = [["CLUSTER", "SET-CONFIG-EPOCH", String(number + 1)]]
                    if number < primaries {
                        commands.append(["CLUSTER", "ADDSLOTSRANGE", String(ranges[number].lowerBound), String(ranges[number].upperBound)])
                    }
                    try await server.expectAllOK(commands)
                }
            }
            try await group.waitForAll()
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (number, server) in servers.enumerated() where number + 1 < servers.count {
                let meetings = (number + 1..<servers.count).map {
                    ["CLUSTER", "MEET", "127.0.0.1", String(servers[$0].port), String(busPorts[$0])]
                }
                group.addTask { try await server.expectAllOK(meetings) }
            }
            try await group.waitForAll()
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for number in servers.indices {
                guard let primary = Self.initialPrimary(of: number, primaries: primaries) else { continue }
                group.addTask { try await self.replicate(node: number, primary: primary, timeout: timeout) }
            }
            try await group.waitForAll()
        }
    }

    /// `CLUSTER REPLICATE` on `node` once it knows `primary` (past the handshake) as a primary; until then the
    /// command would be refused as naming an unknown node.
    private func replicate(node: Int, primary: Int, timeout: Duration) async throws {
        let server = servers[node]
        let primaryID = nodeIDs[primary]
        try await waitUntil(timeout: timeout, "node \(node) to know its primary \(primary)") {
            let entry = try await self.nodesEntries(of: server).first { $0.id == primaryID }
            guard let entry, entry.isPrimary, !entry.flags.contains("handshake"), !entry.flags.contains("noaddr") else {
                return "node \(node) does not know node \(primary) yet"
            }
            return nil
        }
        try await server.expectOK(["CLUSTER", "REPLICATE", primaryID])
    }
}
