import Foundation
import RedisServerSupport
import Testing

@testable import CacheRedis

@Suite("Cluster key slots agree with redis-server's CLUSTER KEYSLOT")
struct ClusterKeySlotServerTests {
    @Test("thousands of generated keys, hash tags and braces included, hash to the server's slots")
    func matchesServer() async throws {
        // CLUSTER KEYSLOT needs cluster mode, not a created cluster: one bare node answers it.
        let server = try await RedisServer.start(options: .init(extraArguments: [
            "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
        ]))
        defer { server.cleanUp() }
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("ab{}{}}:xyz0123456789-_é")
        var keys = ["foo", "bar", "", "{", "}", "{}", "{}{}", "{{}}", "foo{}{bar}", "foo{{bar}}zap", "{user1000}.following"]
        while keys.count < 4000 {
            let length = Int.random(in: 1...24, using: &generator)
            keys.append(String((0..<length).map { _ in alphabet.randomElement(using: &generator) ?? "a" }))
        }
        let replies = try await server.commands(keys.map { ["CLUSTER", "KEYSLOT", $0] })
        var mismatches: [String] = []
        for (key, reply) in zip(keys, replies) {
            guard case .integer(let expected) = RawRedisReply(reply) else {
                Issue.record("CLUSTER KEYSLOT \(key) answered \(reply)")
                continue
            }
            if Int(ClusterSlot(key: key).rawValue) != expected { mismatches.append("\(key): ours \(ClusterSlot(key: key)), server \(expected)") }
        }
        #expect(replies.count == keys.count)
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
    }
}
