import CacheCore
import CacheVercelKV
import KVRestBridge
import NIOCore
import Testing
import RedisServerSupport

@Suite("VercelKVStore over the bridge and a real redis-server")
struct VercelKVStoreTests {
    private func deadline(_ seconds: Double = 5) -> ContinuousClock.Instant { .now + .milliseconds(Int(seconds * 1000)) }

    @Test("set, get, bounded get, delete, scan: binary values and keys survive")
    func roundTrip() async throws {
        let fixture = try await BridgeFixture.start()
        let store = VercelKVStore(endpoint: try fixture.endpoint(), logger: quietLogger)
        let binary: [UInt8] = (0...255).map { UInt8($0) }
        try await store.set("ns:a", value: binary, ttl: .seconds(60), deadline: deadline())
        #expect(try await store.get("ns:a", deadline: deadline()) == binary)
        #expect(try await store.get("ns:a", maximumBytes: 256, verify: nil, deadline: deadline()) == binary)
        await #expect(throws: KVError.self) {
            _ = try await store.get("ns:a", maximumBytes: 100, verify: nil, deadline: deadline())
        }
        do {
            _ = try await store.get("ns:a", maximumBytes: 100, verify: nil, deadline: deadline())
        } catch {
            #expect(error.code == .valueTooLarge)
        }
        #expect(try await store.get("ns:missing", deadline: deadline()) == nil)
        let ttl = try await fixture.redis.command(["PTTL", "ns:a"])
        #expect(ttl.hasPrefix(":") && (Int(ttl.dropFirst().prefix { $0.isNumber }) ?? 0) > 50_000)

        // A key that is not valid UTF-8, written by another client, must be found and deleted by its bytes.
        _ = try await fixture.redis.command(["EVAL", "return redis.call('SET', 'ns:' .. string.char(255, 0, 200), 'x')", "0"])
        var found: [[UInt8]] = []
        var cursor: UInt64 = 0
        repeat {
            let page = try await store.scan(cursor: cursor, match: "ns:*", count: 10, deadline: deadline())
            found += page.keys
            cursor = page.nextCursor
        } while cursor != 0
        let odd: [UInt8] = Array("ns:".utf8) + [255, 0, 200]
        #expect(Set(found) == [Array("ns:a".utf8), odd])
        #expect(try await store.delete([odd, Array("ns:a".utf8), Array("ns:none".utf8)], deadline: deadline()) == 2)
        #expect(try await fixture.redis.command(["DBSIZE"]).hasPrefix(":0"))

        // A binary value goes through the base64 Lua path too.
        try await store.set("ns:b", value: [0xFF, 0xFE, 0x00], ttl: nil, deadline: deadline())
        #expect(try await store.get("ns:b", deadline: deadline()) == [0xFF, 0xFE, 0x00])
        try await store.ping(deadline: deadline())
        await store.shutdown()
        await fixture.stop()
    }

    @Test("many concurrent callers share pipelined requests and each gets its own value")
    func concurrentCallers() async throws {
        let fixture = try await BridgeFixture.start()
        let store = VercelKVStore(endpoint: try fixture.endpoint(), logger: quietLogger)
        for index in 0..<200 {
            _ = try await fixture.redis.command(["SET", "k\(index)", "value-\(index)"])
        }
        let mismatches = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<200 {
                group.addTask {
                    let value = try await store.get("k\(index)", deadline: .now + .seconds(10))
                    return value == Array("value-\(index)".utf8) ? 0 : 1
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(mismatches == 0)
        // Automatic pipelining: 200 callers at once share requests (at most 4 in flight).
        let statistics = store.requestStatistics
        #expect(statistics.commands == 200)
        #expect(statistics.requests < statistics.commands, "\(statistics)")
        await store.shutdown()
        await fixture.stop()
    }

    @Test("a reply that fails its check is a protocol error for the whole batch")
    func verifyFailure() async throws {
        let fixture = try await BridgeFixture.start()
        let store = VercelKVStore(endpoint: try fixture.endpoint(), logger: quietLogger)
        try await store.set("v", value: Array("hello".utf8), ttl: nil, deadline: deadline())
        do {
            _ = try await store.get("v", maximumBytes: 100, verify: { _ in false }, deadline: deadline())
            Issue.record("expected a protocol error")
        } catch {
            #expect(error.code == .protocolError)
        }
        // The store is still usable afterwards (on fresh connections).
        #expect(try await store.get("v", maximumBytes: 100, verify: { $0 == Array("hello".utf8) }, deadline: deadline())
            == Array("hello".utf8))
        await store.shutdown()
        await fixture.stop()
    }

    @Test("a wrong token is auth, then fails fast without another request")
    func wrongToken() async throws {
        let fixture = try await BridgeFixture.start()
        let store = VercelKVStore(endpoint: try fixture.endpoint(token: "wrong"), logger: quietLogger)
        for _ in 0..<2 {
            do {
                try await store.ping(deadline: deadline())
                Issue.record("expected auth")
            } catch {
                #expect(error.code == .authentication)
            }
        }
        await store.shutdown()
        await fixture.stop()
    }

    @Test("HTTP faults are classified", arguments: [
        (BridgeFault.status(429), KVError.Code.rateLimited),
        (.status(500), .serverError),
        (.status(503), .serverError),
        (.status(401), .authentication),
        (.malformedBody, .protocolError),
    ])
    func classifiedFaults(fault: BridgeFault, expected: KVError.Code) async throws {
        let fixture = try await BridgeFixture.start()
        let store = VercelKVStore(endpoint: try fixture.endpoint(), logger: quietLogger)
        fixture.bridge.faults.set(fault)
        do {
            _ = try await store.get("x", deadline: deadline())
            Issue.record("expected \(expected)")
        } catch {
            #expect(error.code == expected)
        }
        await store.shutdown()
        await fixture.stop()
    }

    @Test("a response that never comes, or trickles, ends at the deadline as a timeout")
    func deadlines() async throws {
        let fixture = try await BridgeFixture.start()
        let store = VercelKVStore(endpoint: try fixture.endpoint(), logger: quietLogger)
        for fault in [BridgeFault.neverRespond, .trickle(interval: .milliseconds(200))] {
            fixture.bridge.faults.set(fault)
            let started = ContinuousClock.now
            do {
                _ = try await store.get("x", deadline: .now + .milliseconds(300))
                Issue.record("expected a timeout")
            } catch {
                #expect(error.code == .timeout)
            }
            // Correctness, not speed: the caller was released at its deadline, not after the server.
            #expect(started.duration(to: .now) < .seconds(2))
        }
        fixture.bridge.faults.set(nil)
        #expect(try await store.get("x", deadline: deadline()) == nil)
        await store.shutdown()
        await fixture.stop()
    }

    @Test("a trickled body does not hold a request slot past its deadline: the next command after the fault is answered")
    func trickleReleasesRequestSlots() async throws {
        let fixture = try await BridgeFixture.start()
        let store = VercelKVStore(endpoint: try fixture.endpoint(), logger: quietLogger)
        // Every request slot (and more) gets a body that trickles for seconds; each caller times out at 300 ms.
        fixture.bridge.faults.set(.trickle(interval: .milliseconds(200)))
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<12 {
                group.addTask { _ = try? await store.get("trickled-\(index)", deadline: .now + .milliseconds(300)) }
            }
        }
        fixture.bridge.faults.set(nil)
        // Were the trickling bodies still holding the slots, this command would queue behind them and time out.
        #expect(try await store.get("after-trickle", deadline: .now + .milliseconds(300)) == nil)
        await store.shutdown()
        await fixture.stop()
    }

    @Test("nothing listening is connection_refused; read-only skips writes")
    func refusedAndReadOnly() async throws {
        let fixture = try await BridgeFixture.start()
        let readOnly = VercelKVStore(endpoint: try fixture.endpoint(readOnly: true), logger: quietLogger)
        try await readOnly.set("ro", value: [1], ttl: nil, deadline: deadline())
        #expect(try await readOnly.get("ro", deadline: deadline()) == nil)
        #expect(try await readOnly.delete(["ro"], deadline: deadline()) == 0)
        await readOnly.shutdown()
        let port = fixture.bridge.port
        await fixture.stop()
        let gone = VercelKVStore(endpoint: try RESTEndpoint(url: "http://127.0.0.1:\(port)", token: "t"), logger: quietLogger)
        do {
            try await gone.ping(deadline: deadline())
            Issue.record("expected a failure")
        } catch {
            #expect(error.code == .connectionRefused)
        }
        await gone.shutdown()
    }

    @Test("https:// to a plain-HTTP server is classified tls")
    func tlsFailure() async throws {
        let fixture = try await BridgeFixture.start()
        let store = VercelKVStore(
            endpoint: try RESTEndpoint(url: "https://127.0.0.1:\(fixture.bridge.port)", token: BridgeFixture.token),
            logger: quietLogger)
        do {
            try await store.ping(deadline: deadline())
            Issue.record("expected a TLS failure")
        } catch {
            #expect(error.code == .tls)
        }
        await store.shutdown()
        await fixture.stop()
    }
}
