import Testing

@testable import CacheRedis

@Suite("Cluster state machine: every transition, without sockets")
struct ClusterStateMachineTests {
    typealias B = ClusterReplyBuilders
    typealias Machine = ClusterStateMachine

    private let t0 = ContinuousClock.now
    private let seeds = [B.address(7000)]

    private func topology() throws -> ClusterTopology {
        try ClusterTopology(clusterShardsReply: B.threeShards(replicas: 1), askedNode: B.address(7000))
    }

    private func machine(_ configure: (inout Machine.Configuration) -> Void = { _ in }) throws -> Machine {
        var configuration = Machine.Configuration()
        configure(&configuration)
        // Discovered a while ago, so the minimum gap since the last refresh has passed at t0.
        return Machine(topology: try topology(), seeds: seeds, configuration: configuration, now: t0 - .seconds(1))
    }

    private func request(slot: Int, deadline: Duration = .seconds(2)) -> ClusterRequest {
        ClusterRequest(slot: B.slot(slot), deadline: t0 + deadline)
    }

    @Test("a request goes to its slot's primary, with no refresh while none is due")
    func routing() throws {
        var state = try machine()
        var request = request(slot: 6000)
        #expect(state.route(&request, now: t0) == .init(action: .send(to: B.address(7001), asking: false), refresh: nil))
        var byKey = ClusterRequest(key: "foo", deadline: t0 + .seconds(1))
        #expect(state.route(&byKey, now: t0).action == .send(to: B.address(7002), asking: false))
        #expect(state.replyReceived(&byKey, redirection: nil, now: t0) == .init(action: .deliver, refresh: nil))
    }

    @Test("discovery: without a topology requests fail and the first one orders a refresh from the seeds")
    func discovery() throws {
        var state = Machine(seeds: seeds, now: t0)
        #expect(state.topology == nil)
        var request = request(slot: 1)
        let decision = state.route(&request, now: t0)
        #expect(decision.action == .fail(.noTopology))
        let order = try #require(decision.refresh)
        #expect(order == .init(candidates: seeds, generation: 1))
        #expect(state.isRefreshing)
        // One refresh at a time: a second request does not order another.
        var second = self.request(slot: 2)
        #expect(state.route(&second, now: t0 + .milliseconds(5)).refresh == nil)
        #expect(state.refreshSucceeded(try topology(), order: order, now: t0 + .milliseconds(10)) == nil)
        #expect(!state.isRefreshing)
        #expect(state.route(&second, now: t0 + .milliseconds(11)).action == .send(to: B.address(7000), asking: false))
    }

    @Test("MOVED updates the map at once, retries at the new node and orders one refresh")
    func moved() throws {
        var state = try machine()
        var request = request(slot: 100)
        _ = state.route(&request, now: t0)
        let decision = state.replyReceived(&request, redirection: .moved(slot: B.slot(100), to: B.address(7002)), now: t0 + .milliseconds(1))
        #expect(decision.action == .send(to: B.address(7002), asking: false))
        let order = try #require(decision.refresh)
        #expect(order.candidates.first == B.address(7000))
        #expect(state.isRefreshing)
        #expect(state.topology?.primary(for: B.slot(100)) == B.address(7002))
        #expect(request.redirections == 1)
        // Another MOVED while the refresh runs: no second refresh now ...
        var other = self.request(slot: 101)
        _ = state.route(&other, now: t0 + .milliseconds(2))
        let again = state.replyReceived(&other, redirection: .moved(slot: B.slot(101), to: B.address(7002)), now: t0 + .milliseconds(2))
        #expect(again.refresh == nil)
        // ... but one after it (it may have started before the second move), once the gap has passed.
        #expect(state.refreshSucceeded(try topology(), order: order, now: t0 + .milliseconds(20)) == nil)
        #expect(state.tick(now: t0 + .milliseconds(50)) == nil)
        #expect(state.tick(now: t0 + .milliseconds(101)) != nil)
    }

    @Test("a refresh result replaces the map, MOVED updates included")
    func refreshReplaces() throws {
        var state = try machine()
        var request = request(slot: 100)
        let decision = state.replyReceived(&request, redirection: .moved(slot: B.slot(100), to: B.address(7002)), now: t0)
        let order = try #require(decision.refresh)
        var fresh = try topology()
        fresh.assign(B.slot(100), to: B.address(7001))
        _ = state.refreshSucceeded(fresh, order: order, now: t0 + .milliseconds(5))
        #expect(state.topology?.primary(for: B.slot(100)) == B.address(7001))
    }

    @Test("MOVED to a node never seen routes there and makes it a refresh candidate")
    func movedToNewNode() throws {
        var state = try machine()
        var request = request(slot: 100)
        let decision = state.replyReceived(&request, redirection: .moved(slot: B.slot(100), to: B.address(7400)), now: t0)
        #expect(decision.action == .send(to: B.address(7400), asking: false))
        #expect(decision.refresh?.candidates.contains(B.address(7400)) == true)
        var next = self.request(slot: 100)
        #expect(state.route(&next, now: t0).action == .send(to: B.address(7400), asking: false))
    }

    @Test("ASK sends ASKING and the command to the named node once, and leaves the map alone")
    func ask() throws {
        var state = try machine()
        var request = request(slot: 100)
        _ = state.route(&request, now: t0)
        let decision = state.replyReceived(&request, redirection: .ask(slot: B.slot(100), to: B.address(7001)), now: t0)
        #expect(decision == .init(action: .send(to: B.address(7001), asking: true), refresh: nil))
        #expect(state.topology?.primary(for: B.slot(100)) == B.address(7000))
        #expect(!state.isRefreshing)
        #expect(request.redirections == 1)
        // The next request for the slot goes to the map's node again.
        var next = self.request(slot: 100)
        #expect(state.route(&next, now: t0).action == .send(to: B.address(7000), asking: false))
    }

    @Test("redirections are bounded: a loop of MOVED/ASK gives up")
    func redirectionLimit() throws {
        var state = try machine { $0.maximumRedirections = 3 }
        var request = request(slot: 100)
        for hop in 1...3 {
            let target = B.address(7000 + hop % 2)
            #expect(state.replyReceived(&request, redirection: .ask(slot: B.slot(100), to: target), now: t0).action == .send(to: target, asking: true))
        }
        #expect(state.replyReceived(&request, redirection: .ask(slot: B.slot(100), to: B.address(7000)), now: t0).action == .fail(.tooManyRedirections(4)))
    }

    @Test("no redirection is followed past the deadline")
    func redirectionPastDeadline() throws {
        var state = try machine()
        var request = request(slot: 100, deadline: .milliseconds(50))
        let decision = state.replyReceived(&request, redirection: .moved(slot: B.slot(100), to: B.address(7001)), now: t0 + .milliseconds(50))
        #expect(decision.action == .fail(.deadlineExceeded))
        #expect(state.topology?.primary(for: B.slot(100)) == B.address(7001))
        #expect(state.route(&request, now: t0 + .milliseconds(60)).action == .fail(.deadlineExceeded))
    }

    @Test("TRYAGAIN: bounded retries with doubling backoff, capped, then give up")
    func tryAgain() throws {
        var state = try machine {
            $0.maximumRetries = 4
            $0.retryBaseDelay = .milliseconds(10)
            $0.retryMaximumDelay = .milliseconds(30)
        }
        var request = request(slot: 100, deadline: .seconds(5))
        var now = t0
        for expected in [10, 20, 30, 30] {
            let decision = state.replyReceived(&request, redirection: .tryAgain, now: now)
            #expect(decision == .init(action: .wait(.milliseconds(expected)), refresh: nil))
            now += .milliseconds(expected)
            #expect(state.route(&request, now: now).action == .send(to: B.address(7000), asking: false))
        }
        #expect(state.replyReceived(&request, redirection: .tryAgain, now: now).action == .fail(.retriesExhausted(.tryAgain)))
        #expect(!state.isRefreshing)
    }

    @Test("CLUSTERDOWN retries within the deadline only, and orders a refresh")
    func clusterDown() throws {
        var state = try machine { $0.retryBaseDelay = .milliseconds(40) }
        var request = request(slot: 100, deadline: .milliseconds(100))
        let down = ClusterRedirection.clusterDown("CLUSTERDOWN The cluster is down")
        let first = state.replyReceived(&request, redirection: down, now: t0 + .milliseconds(10))
        #expect(first.action == .wait(.milliseconds(40)))
        #expect(first.refresh != nil)
        // The second wait (80 ms) would end past the deadline: give up now instead.
        #expect(state.replyReceived(&request, redirection: down, now: t0 + .milliseconds(50)).action == .fail(.deadlineExceeded))
    }

    @Test("an unreachable node fails the request and orders a refresh, paced by the gap")
    func unreachable() throws {
        var state = try machine()
        var request = request(slot: 100)
        let decision = state.connectionFailed(&request, node: B.address(7000), now: t0 + .milliseconds(1))
        #expect(decision.action == .fail(.nodeUnreachable(B.address(7000))))
        let order = try #require(decision.refresh)
        _ = state.refreshSucceeded(try topology(), order: order, now: t0 + .milliseconds(5))
        // Failing again right away: the next refresh waits for the gap since the last start.
        var second = self.request(slot: 100)
        #expect(state.connectionFailed(&second, node: B.address(7000), now: t0 + .milliseconds(10)).refresh == nil)
        var third = self.request(slot: 100)
        #expect(state.route(&third, now: t0 + .milliseconds(101)).refresh != nil)
    }

    @Test("failed refreshes are retried with a doubling gap, capped by the interval")
    func refreshFailures() throws {
        var state = try machine {
            $0.minimumRefreshGap = .milliseconds(100)
            $0.refreshInterval = .milliseconds(350)
        }
        var request = request(slot: 1)
        var now = t0 + .milliseconds(1)
        var order = try #require(state.connectionFailed(&request, node: B.address(7000), now: now).refresh)
        for gap in [200, 350, 350] {
            #expect(state.refreshFailed(order: order, now: now + .milliseconds(1)) == nil)
            #expect(state.tick(now: now + .milliseconds(gap - 1)) == nil)
            let next = state.tick(now: now + .milliseconds(gap))
            order = try #require(next)
            now += .milliseconds(gap)
        }
        // Success resets the pace.
        #expect(state.refreshSucceeded(try topology(), order: order, now: now + .milliseconds(1)) == nil)
        var again = self.request(slot: 1)
        #expect(state.connectionFailed(&again, node: B.address(7000), now: now + .milliseconds(100)).refresh != nil)
    }

    @Test("a periodic refresh runs every interval even when nothing asks for one")
    func periodic() throws {
        var state = Machine(topology: try topology(), seeds: seeds, now: t0)
        #expect(state.configuration.refreshInterval == .seconds(30))
        var request = request(slot: 1, deadline: .seconds(100))
        #expect(state.route(&request, now: t0 + .seconds(29)).refresh == nil)
        let order = try #require(state.route(&request, now: t0 + .seconds(30)).refresh)
        #expect(order.candidates == [7000, 7001, 7002, 7100, 7110, 7120].map { B.address($0) })
        #expect(state.tick(now: t0 + .seconds(35)) == nil)
        #expect(state.refreshSucceeded(try topology(), order: order, now: t0 + .seconds(36)) == nil)
        #expect(state.tick(now: t0 + .seconds(59)) == nil)
        #expect(state.tick(now: t0 + .seconds(60)) != nil)
    }

    @Test("an uncovered slot fails its requests and orders a refresh; covered slots still route")
    func uncovered() throws {
        let partial = try ClusterTopology(shards: [
            ClusterShard(primary: ClusterNode(id: "a", address: B.address(7000)), slotRanges: [0...8000])
        ])
        var state = Machine(topology: partial, seeds: seeds, now: t0 - .seconds(1))
        var missing = request(slot: 9000)
        let decision = state.route(&missing, now: t0 + .milliseconds(1))
        #expect(decision.action == .fail(.slotUncovered(B.slot(9000))))
        #expect(decision.refresh != nil)
        var covered = request(slot: 10)
        #expect(state.route(&covered, now: t0 + .milliseconds(2)).action == .send(to: B.address(7000), asking: false))
    }

    @Test("a refresh wanted right after discovery waits for the minimum gap")
    func gapAfterDiscovery() throws {
        var state = Machine(topology: try topology(), seeds: seeds, now: t0)
        var request = request(slot: 1)
        #expect(state.connectionFailed(&request, node: B.address(7000), now: t0 + .milliseconds(99)).refresh == nil)
        #expect(state.tick(now: t0 + .milliseconds(100)) != nil)
    }

    @Test("a refresh never reported back counts as failed after the refresh timeout")
    func lostRefresh() throws {
        var state = try machine { $0.refreshTimeout = .seconds(10) }
        var request = request(slot: 1)
        let lost = try #require(state.connectionFailed(&request, node: B.address(7000), now: t0).refresh)
        #expect(state.tick(now: t0 + .seconds(9)) == nil)
        #expect(state.isRefreshing)
        // Counted as failed, and the wanted refresh starts again (its gap since the lost one has passed).
        let restarted = state.tick(now: t0 + .seconds(10))
        let retry = try #require(restarted)
        #expect(retry.generation == lost.generation + 1)
        // The late report of the lost refresh is ignored: the new refresh still runs, alone.
        var partial = try topology()
        partial.assign(B.slot(5), to: B.address(7400))
        #expect(state.refreshSucceeded(partial, order: lost, now: t0 + .seconds(11)) == nil)
        #expect(state.isRefreshing)
        #expect(state.topology?.primary(for: B.slot(5)) == B.address(7000))
        #expect(state.refreshSucceeded(partial, order: retry, now: t0 + .seconds(12)) == nil)
        #expect(!state.isRefreshing)
        #expect(state.topology?.primary(for: B.slot(5)) == B.address(7400))
    }

    @Test("a refresh asked for during a failed one is not lost")
    func refreshAfterFailure() throws {
        var state = Machine(seeds: seeds, now: t0)
        var request = request(slot: 1)
        let order = try #require(state.route(&request, now: t0).refresh)
        #expect(state.refreshFailed(order: order, now: t0 + .milliseconds(10)) == nil)
        #expect(state.topology == nil)
        #expect(state.tick(now: t0 + .milliseconds(199)) == nil)
        #expect(state.tick(now: t0 + .milliseconds(200))?.candidates == seeds)
    }
}
