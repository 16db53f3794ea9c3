import NIOCore
import Synchronization

/// An HTTP-level fault the bridge can inject instead of answering (for the scenario runner's REST
/// faults; never enabled by the `kv-rest-bridge` command).
public enum BridgeFault: Sendable, Hashable {
    /// Answer this status with an Upstash-shaped `{"error"}` body (401, 429, 500, 503, …).
    case status(Int)
    /// Answer 200 with a body that is not JSON.
    case malformedBody
    /// Send a valid answer one byte per `interval`.
    case trickle(interval: TimeAmount)
    /// Never answer (the connection stays open).
    case neverRespond
}

/// The fault currently injected into authenticated requests (all of them, or a share), settable while the
/// bridge runs.
public final class BridgeFaults: Sendable {
    private struct State {
        var fault: BridgeFault?
        var share = 1.0
        var requests = 0
    }

    private let current = Mutex(State())
    /// Whether a fault is set: read without the lock on every request, which almost never has one.
    private let armed = Atomic<Bool>(false)

    /// No fault.
    public init() {}

    /// Injects `fault` into every request from now on, or stops injecting with `nil`.
    public func set(_ fault: BridgeFault?) { set(fault, share: 1) }

    /// Injects `fault` into a `share` (0…1) of the requests from now on, spread evenly: the n-th request is
    /// hit when `floor(n × share)` steps up, so the choice is deterministic and needs no random source.
    public func set(_ fault: BridgeFault?, share: Double) {
        current.withLock { state in
            state = State(fault: fault, share: min(max(share, 0), 1))
            armed.store(fault != nil, ordering: .releasing)
        }
    }

    /// The fault to inject into the next request, if any.
    func next() -> BridgeFault? {
        guard armed.load(ordering: .acquiring) else { return nil }
        return current.withLock { state in
            guard let fault = state.fault else { return nil }
            let before = Double(state.requests) * state.share
            state.requests += 1
            return (Double(state.requests) * state.share).rounded(.down) > before.rounded(.down) ? fault : nil
        }
    }
}
