/// A cluster node's answer that the command must go elsewhere, later, or not at all, read from the text of
/// an error reply.
enum ClusterRedirection: Hashable, Sendable {
    /// `-MOVED <slot> <host:port>`: the slot lives on that node for good; update the map and retry there.
    case moved(slot: ClusterSlot, to: ClusterNodeAddress)
    /// `-ASK <slot> <host:port>`: the slot is being migrated and this key is already on that node; send
    /// `ASKING` and then the command to it, once, without changing the map.
    case ask(slot: ClusterSlot, to: ClusterNodeAddress)
    /// `-TRYAGAIN …`: a multi-key command's keys are split by a migration in progress; retry shortly.
    case tryAgain
    /// `-CLUSTERDOWN …`: the cluster cannot serve the slot now (uncovered, or a failover in progress).
    case clusterDown(String)

    /// Reads an error reply's text (without the leading `-`), or nil when it is no cluster redirection.
    ///
    /// Redis prints IPv6 hosts bare (`MOVED 3999 ::1:7001`): the port follows the last colon. An empty
    /// host (`MOVED 3999 :7001`, sent by nodes whose preferred endpoint is unknown) means the host of the
    /// node that answered, `askedNode`.
    init?(errorMessage message: String, askedNode: ClusterNodeAddress) {
        let words = message.split(separator: " ", omittingEmptySubsequences: true)
        guard let kind = words.first else { return nil }
        switch kind {
        case "MOVED", "ASK":
            guard words.count == 3, let number = Int(words[1]), let slot = ClusterSlot(number),
                let address = ClusterNodeAddress(parsing: words[2], askedHost: askedNode.host)
            else { return nil }
            self = kind == "MOVED" ? .moved(slot: slot, to: address) : .ask(slot: slot, to: address)
        case "TRYAGAIN":
            self = .tryAgain
        case "CLUSTERDOWN":
            self = .clusterDown(message)
        default:
            return nil
        }
    }
}
