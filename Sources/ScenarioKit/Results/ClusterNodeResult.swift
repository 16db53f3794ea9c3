/// What one node of a scenario's Redis Cluster served, measured on the node itself (`INFO commandstats` and
/// `INFO errorstats` at the run's start and end, `DBSIZE`, `CLUSTER NODES`) and at its fault proxy: the
/// report's per-node traffic.
public struct ClusterNodeResult: Sendable, Hashable, Codable {
    /// The node's number, in start order (nodes 0..<primaries started as primaries).
    public var node: Int
    /// The fault proxy in front of it, whose port it announces.
    public var proxy: String
    /// Its role at the end: `primary`, `replica of N`, or `down`.
    public var role: String
    /// Slots it served at the end.
    public var slots: Int
    /// Keys it held at the end (nil when it was down).
    public var keys: Int?
    /// GET-like commands it executed during the run (`GET`, `GETRANGE`, `GETEX`, `MGET`, `EXISTS`).
    public var reads: Int
    /// SET-like commands it executed during the run (`SET`, `SETEX`, `DEL`, `UNLINK`, `EXPIRE`…).
    public var writes: Int
    /// Every command it executed during the run (the harness's own health checks included).
    public var commands: Int
    /// `-MOVED` replies it sent: requests that reached it for a slot it did not serve.
    public var movedReplies: Int
    /// `-ASK` replies it sent: requests for keys already migrated out of a slot in migration.
    public var askReplies: Int
    /// Connections its proxy accepted during the run.
    public var proxyConnections: Int

    /// Creates a node result.
    public init(
        node: Int, proxy: String, role: String, slots: Int, keys: Int?, reads: Int, writes: Int, commands: Int,
        movedReplies: Int, askReplies: Int, proxyConnections: Int
    ) {
        self.node = node
        self.proxy = proxy
        self.role = role
        self.slots = slots
        self.keys = keys
        self.reads = reads
        self.writes = writes
        self.commands = commands
        self.movedReplies = movedReplies
        self.askReplies = askReplies
        self.proxyConnections = proxyConnections
    }
}
