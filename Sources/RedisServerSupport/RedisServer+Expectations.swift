import Foundation
extension RedisServer {
    /// Sends a command that must answer `+OK`, and says which answer it gave otherwise.
    func expectOK(_ arguments: [String]) async throws {
        let reply = try await command(arguments)
        guard reply.hasPrefix("+OK") else {
            throw RedisCluster.ClusterError(description: "\(arguments.prefix(3).joined(separator: " ")) on port \(port): \(reply.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }

    /// Sends commands pipelined on one connection; each must answer `+OK`.
    func expectAllOK(_ commands: [[String]]) async throws {
        for (arguments, reply) in zip(commands, try await self.commands(commands)) where !reply.hasPrefix("+OK") {
            throw RedisCluster.ClusterError(description: "\(arguments.prefix(3).joined(separator: " ")) on port \(port): \(reply.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }
}
