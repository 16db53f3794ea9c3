/// One line of `CLUSTER NODES`: how one node sees another (or itself).
///
/// `<id> <ip:port@cport[,hostname]> <flags> <primary id or -> <ping-sent> <pong-recv> <config-epoch>
/// <link-state> <slot or range> …`, where slots under migration appear as `[slot->-id]` / `[slot-<-id]`.
public struct ClusterNodesEntry: Hashable, Sendable {
    /// The node's id.
    public var id: String
    /// The host it announces (empty when it does not know its own address yet).
    public var host: String
    /// The client port it announces.
    public var port: Int
    /// The cluster bus port it announces.
    public var busPort: Int
    /// Its flags: `myself`, `master`, `slave`, `fail?`, `fail`, `handshake`, `noaddr`, `nofailover` …
    public var flags: Set<String>
    /// The id of its primary, for a replica.
    public var primaryID: String?
    /// The config epoch.
    public var configEpoch: Int
    /// `connected` or `disconnected` (the link from the reporting node).
    public var linkState: String
    /// The slots it serves.
    public var slotRanges: [ClosedRange<Int>]
    /// Whether the line shows slots being imported or migrated.
    public var hasMigrations: Bool

    /// Whether the node is a primary.
    public var isPrimary: Bool { flags.contains("master") }
    /// Whether the reporting node considers it failed, or suspects so.
    public var isFailing: Bool { flags.contains("fail") || flags.contains("fail?") }

    /// Reads one line; nil when it is not a `CLUSTER NODES` line.
    public init?(line: Substring) {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 8 else { return nil }
        id = String(fields[0])
        let address = fields[1].split(separator: ",", maxSplits: 1)[0]
        let parts = address.split(separator: "@", maxSplits: 1)
        guard parts.count == 2, let bus = Int(parts[1]), let colon = parts[0].lastIndex(of: ":"),
            let port = Int(parts[0][parts[0].index(after: colon)...])
        else { return nil }
        host = String(parts[0][..<colon])
        self.port = port
        busPort = bus
        flags = Set(fields[2].split(separator: ",").map(String.init))
        primaryID = fields[3] == "-" ? nil : String(fields[3])
        configEpoch = Int(fields[6]) ?? 0
        linkState = String(fields[7])
        var ranges: [ClosedRange<Int>] = []
        var migrations = false
        for slot in fields.dropFirst(8) {
            if slot.hasPrefix("[") {
                migrations = true
            } else if let dash = slot.firstIndex(of: "-"),
                let low = Int(slot[..<dash]), let high = Int(slot[slot.index(after: dash)...]) {
                ranges.append(low...high)
            } else if let single = Int(slot) {
                ranges.append(single...single)
            }
        }
        slotRanges = ranges
        hasMigrations = migrations
    }

    /// Reads a whole `CLUSTER NODES` reply text.
    public static func parse(_ text: String) -> [ClusterNodesEntry] {
        text.split(whereSeparator: \.isNewline).compactMap { ClusterNodesEntry(line: $0) }
    }
}
