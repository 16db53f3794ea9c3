/// The error replies a RESP-aware toxic can answer in place of redis-server.
public enum RESPErrorReply: String, Sendable, Hashable, CaseIterable {
    /// `-OOM …`: the server is out of memory (maxmemory reached, noeviction).
    case outOfMemory = "resp_oom"
    /// `-READONLY …`: the server is a read-only replica.
    case readOnly = "resp_readonly"
    /// `-LOADING …`: the server is still loading its dataset.
    case loading = "resp_loading"

    /// The exact reply redis-server sends in that state.
    public var reply: String {
        switch self {
        case .outOfMemory: "-OOM command not allowed when used memory > 'maxmemory'.\r\n"
        case .readOnly: "-READONLY You can't write against a read only replica.\r\n"
        case .loading: "-LOADING Redis is loading the dataset in memory\r\n"
        }
    }
}
