import CacheCore
@testable import CacheRedis
import Foundation
import RedisServerSupport
import Testing

/// Callers writing their own command while the I/O thread sleeps (``RedisStore/Configuration/directWrites``):
/// the FIFO, the replies and the deadlines must be exactly what they are when the I/O thread writes.
@Suite("RedisStore direct writes")
struct RedisStoreDirectWriteTests {
    typealias Support = RedisStoreTestSupport

    @Test("one caller's round trips, small and large, answer their own commands whether callers write or not", arguments: [true, false])
    func sequentialRoundTrips(directWrites: Bool) async throws {
        var configuration = RedisStore.Configuration()
        configuration.directWrites = directWrites
        try await Support.withStore(configuration: configuration) { _, store in
            // Commands over DirectWrites.maximumCommandBytes always go through the I/O thread: mix both.
            let large = [UInt8](repeating: UInt8(ascii: "L"), count: 64 << 10)
            for index in 0..<300 {
                let value = index % 10 == 0 ? large + Array("\(index)".utf8) : Array("value-\(index)".utf8)
                try await store.set("key-\(index)", value: value, ttl: nil, deadline: Support.deadline())
                #expect(try await store.get("key-\(index)", deadline: Support.deadline()) == value)
                #expect(try await store.get("missing-\(index)", deadline: Support.deadline()) == nil)
            }
            if directWrites {
                #expect(store.directWriteCount > 0, "a lone caller found the I/O thread asleep at least once")
            } else {
                #expect(store.directWriteCount == 0)
            }
        }
    }

    @Test("callers writing directly and through the I/O thread at once never get another command's reply")
    func concurrentCallersKeepTheirReplies() async throws {
        try await Support.withStore { _, store in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for caller in 0..<16 {
                    group.addTask {
                        for round in 0..<100 {
                            let key = "c\(caller)-r\(round % 7)"
                            let value = Array("\(caller):\(round)".utf8)
                            try await store.set(key, value: value, ttl: nil, deadline: Support.deadline())
                            #expect(try await store.get(key, deadline: Support.deadline()) == value)
                            // Sparse traffic, so callers often find the I/O thread asleep.
                            if round % 10 == caller % 10 { try await Task.sleep(for: .microseconds(200)) }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    @Test("a command a caller wrote to a server that never answers times out at its deadline, not later")
    func directWriteToSilentServerTimesOut() async throws {
        let listener = try SilentListener()
        defer { listener.close() }
        let store = RedisStore(
            endpoint: RedisEndpoint(address: .tcp(host: "127.0.0.1", port: listener.port)),
            configuration: .init(reconnectBackoff: (.milliseconds(20), .milliseconds(40))),
            resolver: SystemHostResolver(), logger: Support.quietLogger)
        var directTimeouts = 0
        let end = ContinuousClock.now + .seconds(30)
        while directTimeouts < 3, ContinuousClock.now < end {
            let writtenBefore = store.directWriteCount
            let deadline = ContinuousClock.now + .milliseconds(300)
            do {
                _ = try await store.get("k", deadline: deadline)
                Issue.record("a server that never answers answered")
                break
            } catch {
                let finished = ContinuousClock.now
                if error.code == .timeout, store.directWriteCount > writtenBefore {
                    directTimeouts += 1
                    #expect(finished >= deadline, "not before its deadline")
                    // The deadline guard's bound (a few ms) plus generous room for a loaded machine.
                    #expect(finished - deadline < .seconds(1), "the I/O thread (or the guard) ended the wait")
                } else {
                    // Connecting again after the timeout closed the connection: callers fail fast meanwhile.
                    try await Task.sleep(for: .milliseconds(30))
                }
            }
        }
        #expect(directTimeouts == 3, "commands were written directly and timed out \(directTimeouts) times")
        await store.shutdown()
    }
}
