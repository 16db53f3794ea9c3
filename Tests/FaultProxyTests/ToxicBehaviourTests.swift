import FaultProxy
import Foundation
import NIOCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Toxic behaviour over real sockets")
struct ToxicBehaviourTests {
    /// Sends `text` and returns how long the echo took.
    private func echoTime(_ client: TestConnection, _ text: String) async throws -> Duration {
        let already = client.receivedCount
        let start = ContinuousClock.now
        try await client.send(text)
        _ = try await client.waitForBytes(already + text.utf8.count, timeout: .seconds(30))
        return ContinuousClock.now - start
    }

    @Test("latency delays data by at least its value, also on a connection opened before the toxic")
    func latency() async throws {
        try await withEchoProxy { registry, proxy in
            let client = try await TestConnection.connect(port: proxy.listenPort)
            defer { client.close() }
            _ = try await echoTime(client, "warm")
            _ = try await registry.addToxic(Toxic(kind: .latency(latency: 200)), to: proxy.name)
            #expect(try await echoTime(client, "ping") >= .milliseconds(200))

            let fresh = try await TestConnection.connect(port: proxy.listenPort)
            defer { fresh.close() }
            #expect(try await echoTime(fresh, "ping") >= .milliseconds(200))

            try await registry.removeToxic(named: "latency_downstream", from: proxy.name)
            #expect(try await echoTime(client, "pong") < .seconds(5))
        }
    }

    @Test("updating a toxic reaches a live connection")
    func updateReachesLiveConnection() async throws {
        try await withEchoProxy { registry, proxy in
            _ = try await registry.addToxic(Toxic(name: "lag", kind: .latency(latency: 0)), to: proxy.name)
            let client = try await TestConnection.connect(port: proxy.listenPort)
            defer { client.close() }
            _ = try await echoTime(client, "before")
            _ = try await registry.updateToxic(Toxic(name: "lag", kind: .latency(latency: 250)), in: proxy.name)
            #expect(try await echoTime(client, "after") >= .milliseconds(250))
        }
    }

    @Test("latency on both streams adds up")
    func latencyBothWays() async throws {
        try await withEchoProxy { registry, proxy in
            _ = try await registry.addToxic(Toxic(stream: .upstream, kind: .latency(latency: 100)), to: proxy.name)
            _ = try await registry.addToxic(Toxic(stream: .downstream, kind: .latency(latency: 100)), to: proxy.name)
            let client = try await TestConnection.connect(port: proxy.listenPort)
            defer { client.close() }
            #expect(try await echoTime(client, "x") >= .milliseconds(200))
        }
    }

    @Test("toxicity 0 leaves connections alone")
    func toxicityZero() async throws {
        try await withEchoProxy { registry, proxy in
            _ = try await registry.addToxic(Toxic(toxicity: 0, kind: .latency(latency: 20_000)), to: proxy.name)
            let client = try await TestConnection.connect(port: proxy.listenPort)
            defer { client.close() }
            // Generous bound: an affected connection would take 20 s.
            #expect(try await echoTime(client, "quick") < .seconds(10))
        }
    }

    @Test("bandwidth limits throughput")
    func bandwidth() async throws {
        try await withEchoProxy { registry, proxy in
            _ = try await registry.addToxic(Toxic(kind: .bandwidth(rate: 100)), to: proxy.name)  // 100 KB/s
            let client = try await TestConnection.connect(port: proxy.listenPort)
            defer { client.close() }
            let payload = patternBytes(50_000)
            let start = ContinuousClock.now
            try await client.send(payload)
            let received = try await client.waitForBytes(payload.count, timeout: .seconds(20))
            #expect(ContinuousClock.now - start >= .milliseconds(400))
            #expect(received == payload)
        }
    }

    @Test("slow_close delays the close")
    func slowClose() async throws {
        try await withEchoProxy { registry, proxy in
            _ = try await registry.addToxic(Toxic(kind: .slowClose(delay: 300)), to: proxy.name)
            let client = try await TestConnection.connect(port: proxy.listenPort)
            defer { client.close() }
            try await client.send("bye")
            _ = try await client.waitForBytes(3)
            let start = ContinuousClock.now
            try await client.shutdownOutput()
            #expect(try await client.waitForEnding() == .endOfStream)
            #expect(ContinuousClock.now - start >= .milliseconds(300))
        }
    }

    @Test("timeout holds data and closes after its timeout")
    func timeoutCloses() async throws {
        try await withEchoProxy { registry, proxy in
            _ = try await registry.addToxic(Toxic(kind: .timeout(timeout: 200)), to: proxy.name)
            let start = ContinuousClock.now
            let client = try await TestConnection.connect(port: proxy.listenPort)
            defer { client.close() }
            try await client.send("held")
            #expect(try await client.waitForEnding() != .stillOpen)
            #expect(ContinuousClock.now - start >= .milliseconds(200))
            #expect(client.receivedCount == 0)
        }
    }

    @Test("timeout 0 holds the connection and its data until the toxic is removed, then delivers all of it in order")
    func timeoutZeroHolds() async throws {
        try await withEchoProxy { registry, proxy in
            let client = try await TestConnection.connect(port: proxy.listenPort)
            defer { client.close() }
            _ = try await registry.addToxic(Toxic(stream: .upstream, kind: .timeout(timeout: 0)), to: proxy.name)
            try await client.send("held-")
            try await Task.sleep(for: .milliseconds(400))
            #expect(client.receivedCount == 0)
            #expect(client.ending == .stillOpen)

            try await registry.removeToxic(named: "timeout_upstream", from: proxy.name)
            try await client.send("flows")
            // Toxiproxy's timeout delays data, it never drops it: a live stream with a hole is not something TCP does.
            #expect(try await client.waitForText("held-flows") == "held-flows")
        }
    }

    @Test("removing a reset_peer that already swallowed data still resets: the stream never resumes with a hole")
    func resetPeerRemovedAfterArming() async throws {
        try await withEchoProxy { registry, proxy in
            let client = try await TestConnection.connect(port: proxy.listenPort)
            defer { client.close() }
            _ = try await registry.addToxic(
                Toxic(name: "rst", stream: .upstream, kind: .resetPeer(timeout: 60_000)), to: proxy.name)
            try await client.send("swallowed")
            try await Task.sleep(for: .milliseconds(200))
            try await registry.removeToxic(named: "rst", from: proxy.name)
            // Before the fix the removal cancelled the reset and the connection carried on without "swallowed".
            let ending = try await client.waitForEnding(timeout: .seconds(10))
            #expect(ending == .failed(errno: ECONNRESET), "\(ending)")
            #expect(client.receivedCount == 0)
        }
    }

    @Test("removing a reset_peer that saw no data leaves the connection intact")
    func resetPeerRemovedBeforeArming() async throws {
        try await withEchoProxy { registry, proxy in
            let client = try await TestConnection.connect(port: proxy.listenPort)
            defer { client.close() }
            _ = try await registry.addToxic(
                Toxic(name: "rst", stream: .upstream, kind: .resetPeer(timeout: 60_000)), to: proxy.name)
            try await registry.removeToxic(named: "rst", from: proxy.name)
            _ = try await echoTime(client, "intact")
            #expect(client.ending == .stillOpen)
        }
    }

    @Test("reset_peer gives the client ECONNRESET")
    func resetPeer() async throws {
        try await withEchoProxy { registry, proxy in
            _ = try await registry.addToxic(Toxic(stream: .upstream, kind: .resetPeer(timeout: 100)), to: proxy.name)
            let client = try await TestConnection.connect(port: proxy.listenPort)
            defer { client.close() }
            let start = ContinuousClock.now
            try await client.send("anything")
            #expect(try await client.waitForEnding() == .failed(errno: ECONNRESET))
            #expect(ContinuousClock.now - start >= .milliseconds(100))
        }
    }

    @Test("slicer cuts data into delayed slices without changing it")
    func slicer() async throws {
        try await withEchoProxy { registry, proxy in
            _ = try await registry.addToxic(
                Toxic(kind: .slicer(averageSize: 100, sizeVariation: 50, delay: 2000)), to: proxy.name)
            let client = try await TestConnection.connect(port: proxy.listenPort)
            defer { client.close() }
            let payload = patternBytes(10_000)
            let start = ContinuousClock.now
            try await client.send(payload)
            #expect(try await client.waitForBytes(payload.count) == payload)
            // At least ~67 slices of at most 150 bytes, 2 ms apart.
            #expect(ContinuousClock.now - start >= .milliseconds(100))
        }
    }

    @Test("limit_data passes that many bytes then closes")
    func limitData() async throws {
        try await withEchoProxy { registry, proxy in
            _ = try await registry.addToxic(Toxic(kind: .limitData(bytes: 100)), to: proxy.name)
            let client = try await TestConnection.connect(port: proxy.listenPort)
            defer { client.close() }
            try await client.send(patternBytes(300))
            #expect(try await client.waitForEnding() != .stillOpen)
            #expect(client.receivedBytes == patternBytes(100))
        }
    }

    @Test("connect_delay holds a new connection before connecting upstream; live connections are not affected")
    func connectDelay() async throws {
        try await withEchoProxy { registry, proxy in
            let live = try await TestConnection.connect(port: proxy.listenPort)
            defer { live.close() }
            _ = try await echoTime(live, "warm")
            _ = try await registry.addToxic(Toxic(name: "slow-connect", kind: .connectDelay(delay: 300)), to: proxy.name)
            #expect(try await echoTime(live, "live") < .seconds(10))
            let start = ContinuousClock.now
            let fresh = try await TestConnection.connect(port: proxy.listenPort)
            defer { fresh.close() }
            _ = try await echoTime(fresh, "late")
            #expect(ContinuousClock.now - start >= .milliseconds(300))
            #expect(try await registry.acceptedConnectionCount(of: proxy.name) == 2)
        }
    }

    @Test("connect_delay 0 holds new connections, accepted but unanswered, until the toxic is removed")
    func blackholedConnect() async throws {
        try await withEchoProxy { registry, proxy in
            _ = try await registry.addToxic(Toxic(name: "no-connect", kind: .connectDelay(delay: 0)), to: proxy.name)
            let held = try await TestConnection.connect(port: proxy.listenPort)
            defer { held.close() }
            try await held.send("waiting")
            try await Task.sleep(for: .milliseconds(300))
            #expect(held.receivedCount == 0)
            #expect(held.ending == .stillOpen)
            #expect(try await registry.liveConnectionCount(of: proxy.name) == 0)
            try await registry.removeToxic(named: "no-connect", from: proxy.name)
            #expect(try await held.waitForText("waiting") == "waiting")
            #expect(try await registry.acceptedConnectionCount(of: proxy.name) == 1)
        }
    }
}
