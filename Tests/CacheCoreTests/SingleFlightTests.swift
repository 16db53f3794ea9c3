@testable import CacheCore
import Synchronization
import Testing

private struct OriginDown: Error {}

@Suite("Single flight")
struct SingleFlightTests {
    /// A gate the operation waits at, so a test decides when it finishes.
    final class Gate: Sendable {
        private let waiters = Mutex<[CheckedContinuation<Void, Never>]>([])
        private let opened = Mutex(false)
        func wait() async {
            await withCheckedContinuation { continuation in
                let already = opened.withLock { $0 }
                if already { continuation.resume() } else { waiters.withLock { $0.append(continuation) } }
            }
        }
        func open() {
            opened.withLock { $0 = true }
            for waiter in waiters.withLock({ list in defer { list = [] }; return list }) { waiter.resume() }
        }
    }

    /// A counter shared by the operations a test starts.
    final class Counter: Sendable {
        private let value = Mutex(0)
        func increment() { value.withLock { $0 += 1 } }
        var count: Int { value.withLock { $0 } }
    }

    @Test("100 concurrent callers of one key share one operation and all get its value")
    func sharedValue() async throws {
        let flight = SingleFlight<Int>()
        let calls = Counter()
        let gate = Gate()
        let roles = try await withThrowingTaskGroup(of: (Int, SingleFlight<Int>.Role).self) { group in
            for _ in 0..<100 {
                group.addTask {
                    try await flight.run("q") {
                        calls.increment()
                        await gate.wait()
                        return 42
                    }
                }
            }
            while flight.inFlight == 0 { await Task.yield() }
            try await Task.sleep(for: .milliseconds(50))
            gate.open()
            var roles: [SingleFlight<Int>.Role] = []
            for try await (value, role) in group {
                #expect(value == 42)
                roles.append(role)
            }
            return roles
        }
        #expect(calls.count == 1)
        #expect(roles.filter { $0 == .leader }.count == 1)
        #expect(flight.inFlight == 0)
    }

    @Test("every waiter gets the operation's error once, and the next call starts afresh")
    func sharedError() async throws {
        let flight = SingleFlight<Int>()
        let calls = Counter()
        let gate = Gate()
        let failures = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    do {
                        _ = try await flight.run("q") {
                            calls.increment()
                            await gate.wait()
                            throw OriginDown()
                        }
                        return false
                    } catch { return error is OriginDown }
                }
            }
            while flight.inFlight == 0 { await Task.yield() }
            try? await Task.sleep(for: .milliseconds(50))
            gate.open()
            var failures = 0
            for await failed in group where failed { failures += 1 }
            return failures
        }
        #expect(failures == 20)
        #expect(calls.count == 1)
        let (value, role) = try await flight.run("q") { 7 }
        #expect(value == 7 && role == .leader)
    }

    @Test("a cancelled caller stops waiting without cancelling the work the others wait for")
    func cancellation() async throws {
        let flight = SingleFlight<String>()
        let gate = Gate()
        let operationCancelled = Counter()
        let leader = Task {
            try await flight.run("q") {
                await gate.wait()
                if Task.isCancelled { operationCancelled.increment() }
                return "answer"
            }
        }
        while flight.inFlight == 0 { await Task.yield() }
        let follower = Task { try await flight.run("q") { "never" } }
        try await Task.sleep(for: .milliseconds(20))
        leader.cancel()
        await #expect(throws: CancellationError.self) { try await leader.value }
        gate.open()
        let (value, role) = try await follower.value
        #expect(value == "answer" && role == .follower)
        #expect(operationCancelled.count == 0)
    }

    @Test("different keys run independently")
    func independentKeys() async throws {
        let flight = SingleFlight<String>()
        async let a = flight.run("a") { "A" }
        async let b = flight.run("b") { "B" }
        let (first, second) = try await (a, b)
        #expect(first.value == "A" && second.value == "B")
        #expect(first.role == .leader && second.role == .leader)
    }
}
