/// Why a topology reply could not be used.
enum ClusterTopologyError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The reply did not have the documented shape, or described an impossible map.
    case malformed(String)
    /// The node answered with an error (for example `ERR This instance has cluster support disabled`, or
    /// `ERR unknown subcommand 'SHARDS'` on a server older than 7.0).
    case serverError(String)
    /// The node could not be asked (connection refused, timed out).
    case unreachable(String)

    var description: String {
        switch self {
        case .malformed(let detail): "malformed cluster topology: \(detail)"
        case .serverError(let message): "cluster topology request failed: \(message)"
        case .unreachable(let reason): "cluster node unreachable for a topology request: \(reason)"
        }
    }
}
