import CacheCore
import Synchronization

extension RedisClusterStore {
    /// Deletes `keys` with one `UNLINK` (or `DEL` on servers older than Redis 4) per slot, concurrently,
    /// since a cluster refuses multi-key commands across slots; returns how many existed. Fails when any
    /// part fails (the parts that succeeded stay deleted).
    public func delete(_ keys: [[UInt8]], deadline: ContinuousClock.Instant) async throws(KVError) -> Int {
        guard !keys.isEmpty else { return 0 }
        var bySlot: [ClusterSlot: [[UInt8]]] = [:]
        for key in keys { bySlot[ClusterSlot(key: key), default: []].append(key) }
        return try await forEachConcurrently(Array(bySlot)) { (slot: ClusterSlot, keys: [[UInt8]]) throws(KVError) -> Int in
            try await self.deleteInSlot(keys, slot: slot, deadline: deadline)
        }
    }

    private func deleteInSlot(_ keys: [[UInt8]], slot: ClusterSlot, deadline: ContinuousClock.Instant) async throws(KVError) -> Int {
        if !unlinkUnsupported.load(ordering: .relaxed) {
            do {
                return RedisKVCommands.count(try await execute(RedisKVCommands.delete(keys, unlink: true), slot: slot, deadline: deadline))
            } catch where RedisKVCommands.isUnknownCommand(error) {
                unlinkUnsupported.store(true, ordering: .relaxed)
            }
        }
        return RedisKVCommands.count(try await execute(RedisKVCommands.delete(keys, unlink: false), slot: slot, deadline: deadline))
    }

    /// One step of a scan over every primary: the primaries of the map when the scan started (cursor 0),
    /// sorted by address, are walked one after the other with their own `SCAN`.
    ///
    /// The cursor carries the walk: the top 8 bits are the primary's index in that snapshot, the next 8 the
    /// snapshot's id (the store keeps the last 256), and the low 48 bits the node's own cursor (Redis's
    /// cursor is bounded by its table size, far below 2⁴⁸). If the topology changes mid-scan, the walk
    /// continues on the snapshot's addresses, and `SCAN`'s guarantees hold per node.
    public func scan(cursor: UInt64, match pattern: String, count: Int, deadline: ContinuousClock.Instant) async throws(KVError) -> KVScanPage {
        let position = try await scanPosition(cursor: cursor, deadline: deadline)
        guard position.nodeIndex < position.nodes.count else { return KVScanPage(nextCursor: 0, keys: [] as [[UInt8]]) }
        let node = position.nodes[position.nodeIndex]
        let reply = try await send(
            RedisKVCommands.scan(cursor: position.nodeCursor, match: pattern, count: count), to: node, deadline: deadline)
        let page = try RedisKVCommands.scanPage(from: reply)
        guard page.nextCursor < Self.nodeCursorLimit else {
            throw KVError(.protocolError, "SCAN cursor \(page.nextCursor) of \(node) does not fit the cluster cursor")
        }
        var nextIndex = position.nodeIndex
        if page.nextCursor == 0 { nextIndex += 1 }
        let next: UInt64 = nextIndex >= position.nodes.count
            ? 0
            : UInt64(nextIndex) << 56 | UInt64(position.snapshot) << 48 | page.nextCursor
        return KVScanPage(nextCursor: next, keys: page.keys)
    }

    private static let nodeCursorLimit: UInt64 = 1 << 48

    private struct ScanPosition {
        var nodes: [ClusterNodeAddress]
        var snapshot: UInt8
        var nodeIndex: Int
        var nodeCursor: UInt64
    }

    private func scanPosition(cursor: UInt64, deadline: ContinuousClock.Instant) async throws(KVError) -> ScanPosition {
        if cursor == 0 {
            let primaries = try await currentPrimaries(deadline: deadline)
            let snapshot = state.withLock { state in
                let id = state.nextScanSnapshot
                state.nextScanSnapshot &+= 1
                state.scanSnapshots[id] = primaries
                return id
            }
            return ScanPosition(nodes: primaries, snapshot: snapshot, nodeIndex: 0, nodeCursor: 0)
        }
        let snapshot = UInt8(truncatingIfNeeded: cursor >> 48)
        guard let nodes = state.withLock({ $0.scanSnapshots[snapshot] }) else {
            throw KVError(.invalidRequest, "cluster scan cursor \(cursor) is unknown to this store")
        }
        return ScanPosition(
            nodes: nodes, snapshot: snapshot, nodeIndex: Int(cursor >> 56), nodeCursor: cursor & (Self.nodeCursorLimit - 1))
    }

    /// The current map's primaries sorted by address, after the first discovery (waited for within
    /// `deadline`); fails when no map is known.
    func currentPrimaries(deadline: ContinuousClock.Instant) async throws(KVError) -> [ClusterNodeAddress] {
        if !firstDiscovery.isOpen { await firstDiscovery.wait(until: deadline) }
        let primaries = state.withLock { state -> [ClusterNodeAddress]? in
            state.machine.topology?.primaries.sorted { ($0.host, $0.port) < ($1.host, $1.port) }
        }
        guard let primaries, !primaries.isEmpty else { throw kvError(for: .noTopology) }
        return primaries
    }

    /// Runs `body` for every element concurrently and sums the results; the first failure is thrown once
    /// all have ended (none is left running behind the caller's back).
    func forEachConcurrently<Element: Sendable>(
        _ elements: [Element], _ body: @escaping @Sendable (Element) async throws(KVError) -> Int
    ) async throws(KVError) -> Int {
        if elements.count == 1 { return try await body(elements[0]) }
        let results = await withTaskGroup(of: Result<Int, KVError>.self) { group in
            for element in elements {
                group.addTask {
                    do throws(KVError) { return .success(try await body(element)) } catch { return .failure(error) }
                }
            }
            var collected: [Result<Int, KVError>] = []
            for await result in group { collected.append(result) }
            return collected
        }
        var total = 0
        for result in results {
            switch result {
            case .success(let count): total += count
            case .failure(let error): throw error
            }
        }
        return total
    }
}
