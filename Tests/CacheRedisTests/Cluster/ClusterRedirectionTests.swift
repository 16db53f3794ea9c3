import Testing

@testable import CacheRedis

@Suite("Cluster redirections read from error replies")
struct ClusterRedirectionTests {
    private let asked = ClusterNodeAddress(host: "10.0.0.9", port: 7009)

    private func read(_ message: String) -> ClusterRedirection? {
        ClusterRedirection(errorMessage: message, askedNode: asked)
    }

    @Test("MOVED and ASK with IPv4 addresses and host names")
    func movedAndAsk() throws {
        #expect(read("MOVED 3999 127.0.0.1:6381") == .moved(slot: try #require(ClusterSlot(3999)), to: .init(host: "127.0.0.1", port: 6381)))
        #expect(read("ASK 3999 127.0.0.1:6381") == .ask(slot: try #require(ClusterSlot(3999)), to: .init(host: "127.0.0.1", port: 6381)))
        #expect(read("MOVED 0 redis-2.example.com:6379") == .moved(slot: try #require(ClusterSlot(0)), to: .init(host: "redis-2.example.com", port: 6379)))
    }

    @Test("IPv6 hosts, bare as Redis prints them and in brackets")
    func ipv6() throws {
        let slot = try #require(ClusterSlot(16383))
        #expect(read("MOVED 16383 ::1:7001") == .moved(slot: slot, to: .init(host: "::1", port: 7001)))
        #expect(read("MOVED 16383 [::1]:7001") == .moved(slot: slot, to: .init(host: "::1", port: 7001)))
        #expect(read("ASK 16383 2001:db8::7:7002") == .ask(slot: slot, to: .init(host: "2001:db8::7", port: 7002)))
        #expect(ClusterNodeAddress(host: "::1", port: 7001).description == "[::1]:7001")
    }

    @Test("an empty host means the node that answered")
    func emptyHost() throws {
        #expect(read("MOVED 12 :7005") == .moved(slot: try #require(ClusterSlot(12)), to: .init(host: "10.0.0.9", port: 7005)))
    }

    @Test("TRYAGAIN and CLUSTERDOWN")
    func retryable() {
        #expect(read("TRYAGAIN Multiple keys request during rehashing of slot") == .tryAgain)
        #expect(read("CLUSTERDOWN The cluster is down") == .clusterDown("CLUSTERDOWN The cluster is down"))
        #expect(read("CLUSTERDOWN Hash slot not served") == .clusterDown("CLUSTERDOWN Hash slot not served"))
    }

    @Test("anything else is no redirection: the reply stays an ordinary error")
    func others() {
        for message in [
            "ERR unknown command", "MOVED", "MOVED 3999", "MOVED 16384 127.0.0.1:6381", "MOVED -1 127.0.0.1:1",
            "MOVED x 127.0.0.1:6381", "MOVED 1 127.0.0.1", "MOVED 1 127.0.0.1:0", "MOVED 1 127.0.0.1:70000",
            "ASK 1 127.0.0.1:6381 extra", "moved 1 127.0.0.1:6381", "", "CROSSSLOT Keys in request don't hash to the same slot",
        ] {
            #expect(read(message) == nil, "\(message)")
        }
    }
}
