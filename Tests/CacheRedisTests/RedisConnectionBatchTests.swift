import CacheCore
import RedisServerSupport
import Testing

@testable import CacheRedis

/// `RedisConnection.send(_ commands:deadline:)`: commands queued together go out back to back and the
/// last reply comes back (what `ASKING` + a command needs).
@Suite("RedisConnection batch send")
struct RedisConnectionBatchTests {
    @Test("a batch returns the last reply; an error in an earlier command is returned instead")
    func lastReplyOrFirstFailure() async throws {
        let server = try await RedisServer.start()
        defer { server.cleanUp() }
        let connection = RedisConnection(
            index: 0, endpoint: RedisEndpoint(address: .tcp(host: "127.0.0.1", port: server.port)),
            configuration: .init(), resolver: SystemHostResolver(), logger: RedisStoreTestSupport.logger)
        connection.start()
        let deadline = RedisStoreTestSupport.deadline()
        let set = RedisCommand(["SET", "batch:k", "v1"], expecting: .ok)
        let get = RedisCommand(["GET", "batch:k"], expecting: .bulkStringOrNull)
        #expect(try await connection.send([set, get], deadline: deadline).get() == .bulkString(Array("v1".utf8)))

        // INCR of a non-number fails: the batch reports that failure, and the connection stays in sync.
        let failing = RedisCommand(["INCR", "batch:k"], expecting: .integer)
        let failure = await connection.send([failing, get], deadline: deadline)
        guard case .failure(let error) = failure else {
            Issue.record("expected the INCR failure, got \(failure)")
            return
        }
        #expect(error.code == .serverError)
        #expect(try await connection.send(get, deadline: deadline).get() == .bulkString(Array("v1".utf8)))

        // Many concurrent batches: each one's last reply is its own.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<50 {
                group.addTask {
                    let key = "batch:\(index)"
                    let reply = try await connection.send(
                        [RedisCommand(["SET", key, "v\(index)"], expecting: .ok), RedisCommand(["GET", key], expecting: .bulkStringOrNull)],
                        deadline: RedisStoreTestSupport.deadline()
                    ).get()
                    #expect(reply == .bulkString(Array("v\(index)".utf8)))
                }
            }
            try await group.waitForAll()
        }
        connection.requestShutdown()
        await connection.waitForExit()
    }
}
