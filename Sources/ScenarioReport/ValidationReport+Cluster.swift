import ScenarioKit

extension ValidationReport {
    /// Per-node traffic of a cluster run, measured on the nodes themselves: who served what at the end, what each
    /// executed during the run, how many requests reached a node that did not serve their slot (`MOVED`) or met a
    /// migration (`ASK`), and how often the instances connected through each node's proxy.
    func clusterNodeTable(_ variant: VariantResult) -> String {
        guard !variant.clusterNodes.isEmpty else { return "" }
        var out = "Per-node traffic (`INFO commandstats`/`errorstats` on each node, run start to end; keys by `DBSIZE` at the end):\n\n"
        out += "| Node | Proxy | Role at end | Slots | Keys | Reads | Writes | All commands | MOVED sent | ASK sent | Proxy connects |\n"
        out += "|---|---|---|---|---|---|---|---|---|---|---|\n"
        for node in variant.clusterNodes {
            out += "| \(node.node) | \(Self.cell(node.proxy)) | \(Self.cell(node.role)) | \(node.slots) | \(node.keys.map(String.init) ?? "–") "
            out += "| \(node.reads) | \(node.writes) | \(node.commands) | \(node.movedReplies) | \(node.askReplies) | \(node.proxyConnections) |\n"
        }
        let share = variant.metrics.minPrimaryKeyShare
        if share.isFinite {
            out += "\nKeys on the emptiest primary: \(Self.percent(share)) of the mean per primary.\n"
        }
        return out + "\n"
    }
}
