import FaultProxy
import Foundation
import NIOCore
import Testing

@Suite("Proxy data path")
struct ProxyDataPathTests {
    @Test("bytes pass through unchanged in both directions")
    func passThrough() async throws {
        try await withEchoProxy { _, proxy in
            let client = try await TestConnection.connect(port: proxy.listenPort)
            defer { client.close() }
            let payload = patternBytes(1 << 20)
            try await client.send(payload)
            let received = try await client.waitForBytes(payload.count)
            #expect(received == payload)
        }
    }

    @Test("a half-close travels through the proxy after the data")
    func halfClose() async throws {
        try await withEchoProxy { _, proxy in
            let client = try await TestConnection.connect(port: proxy.listenPort)
            defer { client.close() }
            try await client.send("last words")
            try await client.shutdownOutput()
            // The echo server closes its output only when it sees our end of stream, so EOF here proves both ways.
            #expect(try await client.waitForEnding() == .endOfStream)
            #expect(String(decoding: client.receivedBytes, as: UTF8.self) == "last words")
        }
    }

    @Test("no byte is lost or reordered across 65,535 numbered writes while toxics (a blackhole too) come and go")
    func numberedWritesUnderToxicChurn() async throws {
        try await withEchoProxy { registry, proxy in
            let client = try await TestConnection.connect(port: proxy.listenPort)
            defer { client.close() }
            let count = 65_535
            let churn = Task {
                var round = 0
                while !Task.isCancelled {
                  do {
                    round += 1
                    _ = try await registry.addToxic(
                        Toxic(stream: .upstream, kind: .latency(latency: 1, jitter: 1)), to: proxy.name)
                    _ = try await registry.addToxic(
                        Toxic(stream: .downstream, kind: .slicer(averageSize: 7, sizeVariation: 5, delay: 10)),
                        to: proxy.name)
                    if round.isMultiple(of: 2) {
                        _ = try await registry.addToxic(
                            Toxic(stream: .downstream, kind: .latency(latency: 2, jitter: 2)), to: proxy.name)
                    }
                    // A blackhole that comes and goes holds data, it never drops it (Toxiproxy's timeout).
                    _ = try await registry.addToxic(
                        Toxic(name: "hold", stream: .downstream, kind: .timeout(timeout: 0)), to: proxy.name)
                    try await Task.sleep(for: .milliseconds(3))
                    try await registry.removeToxic(named: "hold", from: proxy.name)
                    try await registry.removeToxic(named: "latency_upstream", from: proxy.name)
                    try await Task.sleep(for: .milliseconds(1))
                    try await registry.removeToxic(named: "slicer_downstream", from: proxy.name)
                    if round.isMultiple(of: 2) {
                        try await registry.removeToxic(named: "latency_downstream", from: proxy.name)
                    }
                  } catch {
                    break
                  }
                }
                return round
            }
            var expected: [UInt8] = []
            expected.reserveCapacity(count * 2)
            for number in 0..<count {
                let bytes = [UInt8(number >> 8), UInt8(number & 0xFF)]
                expected += bytes
                let written = client.channel.eventLoop.makePromise(of: Void.self)
                client.channel.writeAndFlush(ByteBuffer(bytes: bytes), promise: written)
                if number % 256 == 255 {
                    // Pace the writer so it does not flood the event loops the other suites share.
                    try await written.futureResult.get()
                    try await Task.sleep(for: .milliseconds(1))
                }
            }
            let received = try await client.waitForBytes(expected.count, timeout: .seconds(60))
            churn.cancel()
            let rounds = await churn.value
            #expect(rounds >= 2, "the toxics did not change while data flowed")
            #expect(received.count == expected.count)
            if let mismatch = (0..<min(received.count, expected.count)).first(where: { received[$0] != expected[$0] }) {
                Issue.record("first difference at byte \(mismatch) (write \(mismatch / 2)) after \(rounds) churn rounds")
            }
            #expect(client.ending == .stillOpen)
        }
    }

    @Test("a disabled proxy refuses connections, cuts live ones and comes back on the same port")
    func disableAndEnable() async throws {
        try await withEchoProxy { registry, proxy in
            let live = try await TestConnection.connect(port: proxy.listenPort)
            defer { live.close() }
            try await live.send("hello")
            _ = try await live.waitForBytes(5)

            let disabled = try await registry.setEnabled(false, proxy: proxy.name)
            #expect(disabled.enabled == false)
            #expect(try await live.waitForEnding() != .stillOpen)
            await #expect(throws: (any Error).self) {
                let refused = try await TestConnection.connect(port: proxy.listenPort)
                refused.close()
            }

            let enabled = try await registry.setEnabled(true, proxy: proxy.name)
            #expect(enabled.listenPort == proxy.listenPort)
            let again = try await TestConnection.connect(port: proxy.listenPort)
            defer { again.close() }
            try await again.send("back")
            #expect(try await again.waitForText("back") == "back")
        }
    }

    @Test("an unreachable upstream closes the client connection")
    func unreachableUpstream() async throws {
        let registry = ProxyRegistry(seed: 1)
        defer { Task { await registry.shutdown() } }
        // Port 1 on loopback is closed: connecting upstream fails at once.
        let proxy = try await registry.createProxy(ProxyConfiguration(name: "nowhere", upstream: "127.0.0.1:1"))
        let client = try await TestConnection.connect(port: proxy.listenPort)
        defer { client.close() }
        #expect(try await client.waitForEnding() != .stillOpen)
        await registry.shutdown()
    }
}
