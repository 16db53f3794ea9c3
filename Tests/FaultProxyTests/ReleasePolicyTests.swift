import Foundation
import Testing

@testable import FaultProxy

@Suite("Toxic timing policies")
struct ReleasePolicyTests {
    @Test("latency delays every chunk from its own arrival and keeps order")
    func latencyIsADelayLine() {
        var schedule = LatencySchedule(latencyMilliseconds: 200, jitterMilliseconds: 0)
        var random = SplitMix64(seed: 1)
        let first = schedule.pieces(byteCount: 10, arrivedAt: 1_000, random: &random)
        let second = schedule.pieces(byteCount: 10, arrivedAt: 2_000, random: &random)
        #expect(first == [ReleasePiece(byteCount: 10, releaseAt: 200_001_000)])
        // A delay line: the second chunk leaves 200 ms after *its* arrival, not 200 ms after the first left.
        #expect(second == [ReleasePiece(byteCount: 10, releaseAt: 200_002_000)])
    }

    @Test("latency jitter stays within bounds and never reorders")
    func jitterBounds() {
        var schedule = LatencySchedule(latencyMilliseconds: 100, jitterMilliseconds: 50)
        var random = SplitMix64(seed: 7)
        var last: UInt64 = 0
        for step in 0..<1000 {
            let now = UInt64(step) * 1000
            let release = schedule.pieces(byteCount: 1, arrivedAt: now, random: &random)[0].releaseAt
            #expect(release >= now + 50_000_000)
            #expect(release >= last)
            last = release
        }
    }

    @Test("the same seed gives the same jitter")
    func seededJitterIsReproducible() {
        func releases(seed: UInt64) -> [UInt64] {
            var schedule = LatencySchedule(latencyMilliseconds: 100, jitterMilliseconds: 90)
            var random = SplitMix64(seed: seed)
            return (0..<20).map { schedule.pieces(byteCount: 1, arrivedAt: UInt64($0) * 1_000_000_000, random: &random)[0].releaseAt }
        }
        #expect(releases(seed: 5) == releases(seed: 5))
        #expect(releases(seed: 5) != releases(seed: 6))
    }

    @Test("bandwidth paces rate bytes per millisecond in pieces of at most 100 ms")
    func bandwidthPacing() {
        var pacer = BandwidthPacer(rate: 10)  // 10 KB/s = 10 bytes/ms
        var random = SplitMix64(seed: 1)
        let pieces = pacer.pieces(byteCount: 2500, arrivedAt: 0, random: &random)
        #expect(pieces.map(\.byteCount) == [1000, 1000, 500])
        #expect(pieces.map(\.releaseAt) == [100_000_000, 200_000_000, 250_000_000])
        #expect(pacer.endReleaseTime(arrivedAt: 0, random: &random) == 250_000_000)
    }

    @Test("bandwidth 0 is unlimited")
    func bandwidthZero() {
        var pacer = BandwidthPacer(rate: 0)
        var random = SplitMix64(seed: 1)
        #expect(pacer.pieces(byteCount: 1 << 20, arrivedAt: 5, random: &random) == [ReleasePiece(byteCount: 1 << 20, releaseAt: 5)])
    }

    @Test("slicer slices add up to the chunk and respect the size range")
    func slicerSizes() {
        let plan = SlicerPlan(averageSize: 10, sizeVariation: 4, delayMicroseconds: 50)
        var random = SplitMix64(seed: 3)
        let sizes = plan.sliceSizes(byteCount: 1000, random: &random)
        #expect(sizes.reduce(0, +) == 1000)
        #expect(sizes.dropLast().allSatisfy { (6...14).contains($0) })
    }

    @Test("slicer spaces slices by the delay")
    func slicerDelays() {
        var plan = SlicerPlan(averageSize: 5, sizeVariation: 0, delayMicroseconds: 100)
        var random = SplitMix64(seed: 3)
        let pieces = plan.pieces(byteCount: 15, arrivedAt: 0, random: &random)
        #expect(pieces == [
            ReleasePiece(byteCount: 5, releaseAt: 0), ReleasePiece(byteCount: 5, releaseAt: 100_000),
            ReleasePiece(byteCount: 5, releaseAt: 200_000),
        ])
    }

    @Test("slow_close passes data at once and holds the end back")
    func slowClose() {
        var schedule = SlowCloseSchedule(delayMilliseconds: 300)
        var random = SplitMix64(seed: 1)
        #expect(schedule.pieces(byteCount: 3, arrivedAt: 10, random: &random)[0].releaseAt == 10)
        #expect(schedule.endReleaseTime(arrivedAt: 20, random: &random) == 300_000_020)
    }
}

@Suite("Toxic model and JSON")
struct ToxicModelTests {
    @Test("default name, stream and toxicity follow Toxiproxy")
    func defaults() throws {
        let toxic = try JSONDecoder().decode(Toxic.self, from: Data(#"{"type":"latency","attributes":{"latency":5}}"#.utf8))
        #expect(toxic.name == "latency_downstream")
        #expect(toxic.stream == .downstream)
        #expect(toxic.toxicity == 1)
        #expect(toxic.kind == .latency(latency: 5, jitter: 0))
    }

    @Test("every attribute of the type is encoded")
    func encodesAllAttributes() throws {
        let toxic = Toxic(stream: .upstream, kind: .slicer(averageSize: 64, sizeVariation: 8, delay: 10))
        let object = try #require(
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(toxic)) as? [String: Any])
        #expect(object["name"] as? String == "slicer_upstream")
        #expect(object["type"] as? String == "slicer")
        let attributes = try #require(object["attributes"] as? [String: Int])
        #expect(attributes == ["average_size": 64, "size_variation": 8, "delay": 10])
    }

    @Test("unknown types and bad toxicity are refused with 400")
    func invalidInput() {
        #expect(throws: FaultProxyError.self) { try ToxicKind(typeName: "explode", attributes: [:]) }
        #expect(throws: (any Error).self) {
            try JSONDecoder().decode(Toxic.self, from: Data(#"{"type":"latency","toxicity":2}"#.utf8))
        }
        do {
            _ = try ToxicKind(typeName: "latency", attributes: ["latency": -1])
            Issue.record("a negative latency was accepted")
        } catch {
            #expect(error.status == 400)
        }
    }

    @Test("host:port parsing")
    func hostAndPort() throws {
        #expect(try HostAndPort(parsing: "127.0.0.1:6379") == HostAndPort(host: "127.0.0.1", port: 6379))
        #expect(try HostAndPort(parsing: "[::1]:80") == HostAndPort(host: "::1", port: 80))
        #expect(throws: FaultProxyError.self) { try HostAndPort(parsing: "nope") }
        #expect(throws: FaultProxyError.self) { try HostAndPort(parsing: "h:70000") }
    }
}
