import Foundation
extension RedisServer {
    /// Sends a command that must answer `+OK`, and says which answer it gave otherwise.
    func expectOK(_ arguments: [String]) async throws {
        let reply = try await command(arguments)
        guard reply.hasPrefix("+OK") else {
            throw RedisCluster.ClusterError(description: "\(arguments.prefix(3).joined(separator: " ")) on port \(port): \(reply.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }
}
