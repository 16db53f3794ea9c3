import CacheCore
import CacheRedis
import Foundation
import Testing

@Suite("RedisStore protocol errors")
struct RedisStoreProtocolErrorTests {
    typealias Support = RedisStoreTestSupport

    private static func outcome(of store: RedisStore) async -> KVError.Code? {
        do throws(KVError) {
            _ = try await store.get("k", deadline: Support.deadline(.seconds(2)))
            return nil
        } catch {
            return error.code
        }
    }

    @Test("unparseable bytes are a protocol error and the connection is replaced", arguments: [
        "?not resp\r\n", "$x\r\n",
    ])
    func unparseableReply(answer: String) async throws {
        let server = try RedisStoreMisbehavingServer(answer: Array(answer.utf8))
        defer { server.stop() }
        let store = RedisStore(
            endpoint: RedisEndpoint(address: .tcp(host: "127.0.0.1", port: server.port)),
            configuration: .init(reconnectBackoff: (.milliseconds(10), .milliseconds(50))), logger: Support.logger)
        #expect(await Self.outcome(of: store) == .protocolError)
        // The broken connection is closed and a new one made in the background.
        let end = ContinuousClock.now + .seconds(5)
        while server.acceptedConnections < 2 && ContinuousClock.now < end {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(server.acceptedConnections >= 2)
        await store.shutdown()
    }

    @Test("a well-formed reply of the wrong type is a protocol error too")
    func unexpectedReplyType() async throws {
        let server = try RedisStoreMisbehavingServer(answer: Array(":1\r\n".utf8))
        defer { server.stop() }
        let store = RedisStore(
            endpoint: RedisEndpoint(address: .tcp(host: "127.0.0.1", port: server.port)), logger: Support.logger)
        #expect(await Self.outcome(of: store) == .protocolError)
        await store.shutdown()
    }
}
