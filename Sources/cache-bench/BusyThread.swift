import Foundation
import Synchronization

/// A thread that keeps one core busy with arithmetic until stopped: the `.loaded` cases run beside it,
/// since a real server is never idle and spinning or thread hand-offs cost more when cores are contended.
final class BusyThread: Sendable {
    private let running = Atomic<Bool>(true)
    private let finished = Atomic<Bool>(false)
    /// Accumulated so the loop cannot be optimised away.
    private let sink = Atomic<UInt64>(0)

    init() {
        let thread = Thread { [self] in
            var value: UInt64 = 0x9E37_79B9_7F4A_7C15
            while running.load(ordering: .relaxed) {
                for _ in 0..<10_000 { value = value &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407 }
            }
            sink.store(value, ordering: .relaxed)
            finished.store(true, ordering: .releasing)
        }
        thread.name = "bench-busy"
        thread.start()
    }

    /// Stops the loop and waits until it has.
    func stop() {
        running.store(false, ordering: .relaxed)
        while !finished.load(ordering: .acquiring) { usleep(100) }
    }

    /// Runs `body` with a busy thread beside it.
    static func around<T>(_ body: () async throws -> T) async rethrows -> T {
        let busy = BusyThread()
        defer { busy.stop() }
        return try await body()
    }
}
